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
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from talkscope.tools.base import Arg, Citable, Finding, Tool, ToolContext, ToolResult, Uncertainty
from talkscope.tools.engine.errors import TalkscopeError

TOP_K = 5
RELEVANCE_FLOOR = 0.35  # cosine; chosen from benchmarks/retrieval_eval.py (off-topic top-1 falls below)
ANSWER_TOKENS = 24
MAX_CITED_IN_TEXT = 3
QUOTE_CHARS = 140
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


TEXT = {
    "answer": "The model answers \"{prompt}\" with \"{answer}\" [{ref}].",
    "query": "For \"{query}\", the closest passages in the {n} indexed chunks are these [{ref}]:",
    "none": "No good source found: the best passage, {path}, has relevance {rel:.2f}, below the {threshold} needed "
            "to cite it [{ref}].",
    "empty": "The index at {index} is empty [{ref}].",
    "passage": "{path} {verdict} (\"{quote}\", relevance {rel:.2f}) [{sid}].",
    "verdicts": {"supports": "states the answer", "contradicts": "contradicts the answer",
                 "related": "is related but does not state the answer", "query": "matches"},
    "check": "Verdicts come from a lexical check (content words of the answer in a sentence about the prompt's "
             "subject), not from an entailment model.",
}


def quote(passage: str, query: str) -> str:
    """The passage sentence sharing most words with the query, shortened to a quotable length."""
    words = set(re.findall(r"\w+", query.lower()))
    sents = [s.strip(" #") for s in re.split(r"(?<=[.!?])\s+|\n+", passage) if s.strip(" #")]
    best = max(sents, key=lambda s: len(words & set(re.findall(r"\w+", s.lower()))), default="")
    return best if len(best) <= QUOTE_CHARS else best[: QUOTE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _display(p: dict[str, Any]) -> str:
    from talkscope.retrieval.search import short_source

    return short_source(p["source"]) + (f" row {p['row']}" if p.get("row") else "")


@dataclass
class SourcesFinding(Finding):
    query: str
    prompt: str | None
    answer: str | None
    passages: list[dict[str, Any]]  # {source, chunk, text, relevance, row, start, end, verdict}, best first
    cited: int  # how many of them (from the top) are relevant enough to cite
    threshold: float
    index: str
    n_chunks: int

    def citable(self) -> list[Citable]:
        return [Citable(_display(p), p["chunk"], p["text"], p["relevance"]) for p in self.passages[: self.cited]]

    def summary(self) -> str:
        from talkscope.retrieval.search import short_source

        if not self.cited:
            best = max((p["relevance"] for p in self.passages), default=0.0)
            return f"No good source found in {self.n_chunks} chunks: best relevance {best:.2f} < {self.threshold}."
        tops = ", ".join(f"{short_source(p['source'])} ({p['relevance']:.2f}"
                         f"{', ' + p['verdict'] if p['verdict'] else ''})" for p in self.passages[: self.cited])
        return f"Passages for {self.query!r}: {tops}."

    def sentences(self, ref: str, cites: Sequence[str] = ()) -> str:
        if not cites:
            best = max(self.passages, key=lambda p: p["relevance"], default=None)
            if best is None:
                return TEXT["empty"].format(index=self.index, ref=ref)
            from talkscope.retrieval.search import short_source

            return TEXT["none"].format(path=short_source(best["source"]), rel=best["relevance"],
                                       threshold=self.threshold, ref=ref)
        if self.answer is not None:
            parts = [TEXT["answer"].format(prompt=self.prompt, answer=self.answer, ref=ref)]
        else:
            parts = [TEXT["query"].format(query=self.query, n=self.n_chunks, ref=ref)]
        for sid, p in list(zip(cites, self.passages))[:MAX_CITED_IN_TEXT]:
            parts.append(TEXT["passage"].format(path=_display(p), verdict=TEXT["verdicts"][p["verdict"] or "query"],
                                                quote=quote(p["text"], self.query), rel=p["relevance"], sid=sid))
        if self.answer is not None:
            parts.append(TEXT["check"])
        return " ".join(parts)

    def uncertainty(self) -> Uncertainty:
        best = max((p["relevance"] for p in self.passages), default=0.0)
        basis = f"top retrieval relevance {best:.2f} (cosine), {self.cited} passage(s) above {self.threshold}"
        if self.answer is not None:
            verdicts = [p["verdict"] for p in self.passages[: self.cited]]
            basis += (f"; {verdicts.count('supports')} support, {verdicts.count('contradicts')} contradict "
                      "(lexical check)")
        return Uncertainty.from_score(1.0 - best, basis)


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
        "query": Arg("string", "text to look up in the documents", nullable=True),
        "prompt": Arg("string", "look up support for the model's answer to this prompt", nullable=True),
    }
    examples = ('Which documents support the answer to "The capital of France is"?',
                'Where in my documents is "the Eiffel Tower" mentioned?')
    follow_ups = {"Find sources for that": ("generate", "confidence")}
    needs_model = False

    def needs_model_for(self, args: dict[str, Any]) -> bool:
        return bool(args.get("prompt"))

    def run(self, ctx: ToolContext, query: str | None, prompt: str | None) -> ToolResult:
        if not (query and query.strip()) and not (prompt and prompt.strip()):
            raise TalkscopeError("sources needs a 'query' (text to look up) or a 'prompt' (whose answer to check)")
        answer = None
        if prompt:
            from talkscope.tools.engine.generation import continue_prompts, first_sentence

            answer = first_sentence(continue_prompts(ctx.model, [prompt], ANSWER_TOKENS)[0].text).strip()
        index = open_index(ctx)
        text = query or f"{prompt} {answer}"
        passages = [{"source": p.source, "chunk": p.chunk, "text": p.text, "relevance": p.relevance, "row": p.row,
                     "start": p.start, "end": p.end,
                     "verdict": verdict(answer, prompt, p.text) if answer is not None else None}
                    for p in index.query(text, TOP_K)]
        good = [p for p in passages if p["relevance"] >= RELEVANCE_FLOOR]
        return self.result(SourcesFinding(text, prompt, answer, passages, len(good), RELEVANCE_FLOOR,
                                          str(index.root), len(index)))
