"""`sources`: which indexed documents support, contradict or merely relate to an answer.

With `query`, the top passages for that text. With `prompt`, the model's answer (greedy, to the end of
its first sentence) is looked up with its prompt, and each passage gets a verdict from a cheap lexical
check (no NLI model is shipped): it `supports` the answer when one of its sentences holds at least two
thirds of the prompt's content words (its subject) and at least half of the answer's content words that
the prompt does not already contain, `contradicts` it when that sentence has a negation cue, and is `related`
otherwise. A passage below RELEVANCE_FLOOR is never cited.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from talkscope.tools.base import Arg, Tool, ToolContext, ToolResult, Uncertainty
from talkscope.tools.errors import TalkscopeError

TOP_K = 5
RELEVANCE_FLOOR = 0.35  # cosine; chosen from benchmarks/retrieval_eval.py (off-topic top-1 falls below)
ANSWER_TOKENS = 24
NEGATION = {"not", "no", "never", "myth", "false", "incorrect", "untrue", "isn't", "wasn't", "aren't", "cannot"}


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    text = files("talkscope.tools").joinpath("data/stopwords.txt").read_text()
    return frozenset(w for line in text.splitlines() if not line.startswith("#") for w in line.split())


def content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[\w']+", text.lower()) if w not in stopwords()}


def verdict(answer: str, prompt: str, passage: str) -> str:
    subject = content_words(prompt)
    wanted = content_words(answer) - subject or content_words(answer)
    if not wanted:
        return "related"
    for sent in re.split(r"(?<=[.!?])\s+|\n+", passage):
        words = set(re.findall(r"[\w']+", sent.lower()))
        if len(subject & words) >= 2 * len(subject) / 3 and len(wanted & words) >= max(1, len(wanted) / 2):
            return "contradicts" if words & NEGATION else "supports"
    return "related"


_DEMO_CHECKED: set[Path] = set()  # default-index roots whose demo corpus this process has checked


def open_index(ctx: ToolContext) -> Any:
    from talkscope.retrieval.index import default_index_dir
    from talkscope.retrieval.search import DocumentIndex

    root = ctx.index_dir or default_index_dir()
    if ctx.index_dir is None and Path(root) not in _DEMO_CHECKED:
        from talkscope.retrieval.ingest import ensure_demo_index

        ensure_demo_index(root)  # first use: the demo corpus, with progress; then once per process
        _DEMO_CHECKED.add(Path(root))
    return DocumentIndex(Path(root))


class SourcesTool(Tool):
    name = "sources"
    description = "Which indexed documents support, contradict or relate to a text or to the model's answer."
    inputs = {
        "query": Arg("str|null", "text to look up in the documents"),
        "prompt": Arg("str|null", "look up support for the model's answer to this prompt"),
    }
    examples = ('Which documents support the answer to "The capital of France is"?',
                'Where in my documents is "the Eiffel Tower" mentioned?')
    needs_model = False

    def needs_model_for(self, args: dict[str, Any]) -> bool:
        return bool(args.get("prompt"))

    def run(self, ctx: ToolContext, query: str | None, prompt: str | None) -> ToolResult:
        if not (query and query.strip()) and not (prompt and prompt.strip()):
            raise TalkscopeError("sources needs a 'query' (text to look up) or a 'prompt' (whose answer to check)")
        answer = None
        if prompt:
            from talkscope.tools.generation import continue_prompts, first_sentence

            answer = first_sentence(continue_prompts(ctx.model, [prompt], ANSWER_TOKENS)[0].text).strip()
        index = open_index(ctx)
        text = query or f"{prompt} {answer}"
        passages = [{"source": p.source, "chunk": p.chunk, "text": p.text, "relevance": p.relevance, "row": p.row,
                     "start": p.start, "end": p.end,
                     "verdict": verdict(answer, prompt, p.text) if answer is not None else None}
                    for p in index.query(text, TOP_K)]
        good = [p for p in passages if p["relevance"] >= RELEVANCE_FLOOR]
        data = {"query": text, "prompt": prompt, "answer": answer, "passages": passages, "cited": len(good),
                "threshold": RELEVANCE_FLOOR, "index": str(index.root), "n_chunks": len(index)}
        return ToolResult(self.name, {}, data, summary(data), uncertainty(data))


def summary(d: dict[str, Any]) -> str:
    from talkscope.retrieval.search import short_source

    if not d["cited"]:
        best = max((p["relevance"] for p in d["passages"]), default=0.0)
        return f"No good source found in {d['n_chunks']} chunks: best relevance {best:.2f} < {d['threshold']}."
    tops = ", ".join(f"{short_source(p['source'])} ({p['relevance']:.2f}{', ' + p['verdict'] if p['verdict'] else ''})"
                     for p in d["passages"][: d["cited"]])
    return f"Passages for {d['query']!r}: {tops}."


def uncertainty(d: dict[str, Any]) -> Uncertainty:
    best = max((p["relevance"] for p in d["passages"]), default=0.0)
    basis = f"top retrieval relevance {best:.2f} (cosine), {d['cited']} passage(s) above {d['threshold']}"
    if d["answer"] is not None:
        verdicts = [p["verdict"] for p in d["passages"][: d["cited"]]]
        basis += f"; {verdicts.count('supports')} support, {verdicts.count('contradicts')} contradict (lexical check)"
    return Uncertainty.from_score(1.0 - best, basis)
