"""Routing when a table is loaded (`--data`): which table tool a turn asks for, or that it is about the language
model after all (then the default router takes it), or out of scope.

A second intent head, fitted exactly as the default one (`agent/intent.py`), reads the table tools' route data,
every language-model tool's utterances as one class (`MODEL`) and the out-of-scope families, the table ones
included. The default head is left as it is, so routing without a table is unchanged. Arguments are read with
the table's schema (`agent/table_slots.py`). A turn that asks two things is cut at the default router's joints
where both sides read as table tools; the second part sees the first part's subset.
"""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from talkscope.agent import table_slots
from talkscope.agent.intent import (
    OUT_OF_SCOPE,
    Example,
    load_fitted,
    out_of_scope_families,
    train,
    training_set,
)
from talkscope.agent.routes import RouteSpec
from talkscope.agent.session import Call, Route, Session

MODEL = "(language model)"
# Words that make a turn about the table (with the table's own column names, values and nouns) ...
TABLE_WORDS = re.compile(r"\b(?:rows?|samples?|records?|entries|cases?|features?|columns?|predict\w*|classif\w*|"
                         r"labels?|accura\w*|f1|auroc|auc|precision|recall|mae|rmse|r2|subset|filter\w*|"
                         r"counterfactual\w*|flip\w*|what\s+if|importan\w*|interact\w*|probabilit\w*|"
                         r"likel\w*|confiden\w*|mistakes?|wrong|errs?|how\s+many|count|distribution|average|mean|"
                         r"median|data\s*set|dataset|table|group|subset|why)\b", re.IGNORECASE)
# ... and words that make it about the language model.
MODEL_WORDS = re.compile(r"[\"“”]|\b(?:layers?|tokens?|prompts?|logits?|logit\s+lens|patchscopes?|probes?|neurons?|"
                         r"attention|residual|hidden\s+states?|language\s+model|llm|gemma|smollm|documents?|sources?|"
                         r"papers?|trace|tracing)\b", re.IGNORECASE)
FOLLOW_ON = re.compile(r"^\s*(?:and|what\s+about|how\s+about|now|same|ok(?:ay)?|only|just|but|then|also|for)\b|"
                       r"\bsame\s+(?:question|thing|again)\b|\bagain\b", re.IGNORECASE)
COUNTING = re.compile(r"\b(?:how\s+many|number\s+of|count\s+(?:of|the)|what\s+(?:fraction|share|proportion|"
                      r"percentage|percent))\b", re.IGNORECASE)
ERRING = re.compile(r"\b(?:wrong|mistak\w*|misclassif\w*|errors?|errs?|erring|incorrect\w*|trip\w*\s+up)\b",
                    re.IGNORECASE)
# Where a table turn may ask several things: the default router's joints, and a comma or colon before a new question.
QUESTION_CUT = re.compile(r"(?:,|:|;)\s+(?=(?:and\s+)?(?:what|how|which|why|where|who|plus|also|give|show|list|"
                          r"the\s+\w+\s*[?]?$)\b)", re.IGNORECASE)
ASKS = re.compile(r"\b(?:what|how|which|why|where|who|show|list|give|tell)\b|\?", re.IGNORECASE)
IN_RANGE = re.compile(r"\b(?:between|from)\s+[\d.]+\s*\w*\s*$", re.IGNORECASE)
# Words that name an operation outright: they decide between tools the head confuses.
CUES = (
    (OUT_OF_SCOPE, re.compile(r"^\W*(?:(?:can|could|would)\s+you\s+|please\s+)?(?:delete|remove|drop|edit|modify|"
                              r"update|insert|impute|rename|append)\b.*\b(?:rows?|columns?|features?|data|values?)\b|"
                              r"\b(?:re-?fit|re-?train|fine-?tune|tune\s+the|hyper-?param\w*|deploy|export\s+the\s+model|"
                              r"save\s+the\s+model)\b", re.I)),
    ("counterfactual", re.compile(r"\bcounterfactual|\bflip(?:s|ped|ping)?\b|\bsmallest\s+change|\bminimal\s+change|"
                                  r"\bwhat\s+would\s+(?:it\s+take|(?:need|have)\s+to\s+change)", re.I)),
    ("what_if", re.compile(r"\bwhat\s+if\b|\bsuppose\b|\bimagine\b|\bhypothetically\b|\bwere\s+(?:set|changed)|"
                           r"\bif\s+(?:\w+\s+){0,5}?(?:were|was|had|went|got|became)\b", re.I)),
    ("likelihood", re.compile(r"\bhow\s+(?:sure|confident|certain|likely)\b|\bprobabilit|\bodds\b|\bchances?\b", re.I)),
    ("explain", re.compile(r"^\W*why\b|\bexplain\w*|\bwhy\s+(?:did|was|is|does|do)\b", re.I)),
    ("filter", re.compile(r"^\W*(?:ok\W+|now\W+|so\W+)?(?:let'?s\s+|please\s+|i'?d\s+like\s+to\s+|"
                          r"can\s+we\s+)?(?:focus|consider|restrict|limit|narrow|zoom|keep\s+only|only\s+look|look\s+only|filter|subset)\b",
                          re.I)),
    ("describe", re.compile(r"^\W*describe\b|\bstatistics\b|\bsummary\s+stat", re.I)),
    ("show", re.compile(r"^\W*(?:(?:can|could)\s+you\s+|please\s+)?(?:show|list|display|print|let\s+me\s+see)\b",
                        re.I)),
    ("score", re.compile(r"\b(?:accuracy|f1|f-score|auroc|auc|precision|recall|mae|rmse|r2|r\^2|r-squared|r²)\b|"
                         r"\bhow\s+(?:accurate|good|well)\b|\bmean\s+absolute\s+error\b", re.I)),
    ("predict", re.compile(r"\bwhat\s+(?:does|would|will)\s+(?:the\s+model|it)\s+(?:say|predict|think|output)|"
                           r"^\W*predict\b|\bpredict(?:ion)?\s+for\b", re.I)),
)
PACKAGED = "data/table_intent.npz"
SPLIT_SURE = 0.5
UNSURE = "I am not sure what you want to know about the table. I can: {names}. Which one, and on which rows?"


def out_of_scope_of(name: str) -> dict[str, list[str]]:
    """A data domain's own out-of-scope families (`agent/data/out_of_scope_<name>.json`)."""
    raw = files("talkscope.agent").joinpath(f"data/out_of_scope_{name}.json").read_text(encoding="utf-8")
    return json.loads(raw)["families"]


def domain_training_set(specs: dict[str, RouteSpec], model_specs: dict[str, RouteSpec], name: str) -> list[Example]:
    """A data domain's head: its tools' utterances, every language-model tool's as one class (`MODEL`), and the
    out-of-scope families, the domain's own (`out_of_scope_of(name)`) included."""
    rows = [r for r in training_set(specs) if r.label != OUT_OF_SCOPE]
    rows += [Example(r.text, MODEL, f"model/{r.group}") for r in training_set(model_specs) if r.label != OUT_OF_SCOPE]
    rows += [Example(t, OUT_OF_SCOPE, f"oos/{fam}") for fam, texts in out_of_scope_families().items() for t in texts]
    own = out_of_scope_of(name)
    rows += [Example(t, OUT_OF_SCOPE, f"oos-{name[:-1]}/{fam}") for fam, texts in own.items() for t in texts]
    return rows


def table_training_set(table_specs: dict[str, RouteSpec], model_specs: dict[str, RouteSpec]) -> list[Example]:
    return domain_training_set(table_specs, model_specs, "tables")


class TableRouter:
    """Routes the turns of a conversation about a loaded table; `route` returns None for a language-model turn."""

    def __init__(self, table_specs: dict[str, RouteSpec], model_specs: dict[str, RouteSpec], encode: Any,
                 cache: Path) -> None:
        self.specs = table_specs
        self.encode = encode
        self._seen: dict[str, dict[str, float]] = {}  # a turn's parts are read while cutting it and again routed
        self.head = load_fitted(table_training_set(table_specs, model_specs), encode, cache, PACKAGED, "table-intent",
                                "Fitting the table question router (once; then cached)")

    def probabilities(self, turn: str) -> dict[str, float]:
        if turn not in self._seen:
            p = self.head.probabilities(np.asarray(self.encode([turn])), [turn])[0]
            self._seen[turn] = dict(zip(self.head.labels, map(float, p)))
            if len(self._seen) > 512:
                self._seen.pop(next(iter(self._seen)))
        return self._seen[turn]

    def intent(self, turn: str) -> tuple[str, float]:
        p = self.probabilities(turn)
        top = max(p, key=p.get)
        return top, p[top]

    def about_table(self, turn: str, session: Session) -> bool:
        """Whether the turn speaks of the table: its columns, values or nouns, a row, or table words."""
        from talkscope.tools.engine.table.reading import column_mentions

        schema = session.table
        noun = re.escape(schema.noun)
        if column_mentions(turn, schema) or table_slots.row_of(turn) is not None or \
                re.search(rf"\b{noun}s?\b", turn, re.IGNORECASE):
            return True
        return bool(TABLE_WORDS.search(turn)) and not MODEL_WORDS.search(turn)

    def route(self, turn: str, session: Session) -> Route | None:
        spans = self.spans(turn)
        if len(spans) > 1:
            parts = self._questions(turn, spans, session)
            if len(parts) > 1:
                scratch, calls, confidence = session.fork(), [], 1.0
                for part in parts:
                    r = self.route_one(part, scratch)
                    if r is None or r.clarify:  # a part the table router cannot take: the turn is read whole
                        return self.route_one(turn, session)
                    scratch.record(r)
                    calls += r.calls
                    confidence = min(confidence, r.confidence)
                # "Forget the filter. How many are benign?": the subset rides on the next call
                calls = [c for i, c in enumerate(calls) if not (c.tool == "filter" and i + 1 < len(calls))]
                return Route(calls, confidence)
        return self.route_one(turn, session)

    @staticmethod
    def spans(turn: str) -> list[tuple[int, int]]:
        """The pieces of a turn cut at the default router's joints and before a question after a comma."""
        from talkscope.agent.router import part_spans

        out = []
        for a, b in part_spans(turn):
            cuts = [a] + [a + m.end() for m in QUESTION_CUT.finditer(turn[a:b])] + [b]
            out += [(x, y) for x, y in zip(cuts, cuts[1:]) if turn[x:y].strip(" ,:;")]
        return out or [(0, len(turn))]

    def _stands(self, text: str, session: Session) -> tuple[str, bool]:
        tool, confidence = self.choose(text, session)
        cue = any(pattern.search(text) for _, pattern in CUES)
        return tool, tool in self.specs and (confidence >= SPLIT_SURE or cue)

    def _questions(self, turn: str, spans: list[tuple[int, int]], session: Session) -> list[str]:
        kept = [spans[0]]
        for a, b in spans[1:]:
            left, right = turn[kept[-1][0]:kept[-1][1]], turn[a:b]
            lt, lok = self._stands(left, session)
            rt, rok = self._stands(right, session)
            soft = re.search(r"[,:;]\s*$", turn[:a])  # a comma cut: the left part must ask something itself
            asks = ASKS.search(left) or any(pattern.search(left) for _, pattern in CUES)
            if lok and rok and lt != rt and not IN_RANGE.search(left) and (asks or not soft):
                kept.append((a, b))
            else:
                kept[-1] = (kept[-1][0], b)
        return [turn[a:b].strip() for a, b in kept]

    def choose(self, turn: str, session: Session) -> tuple[str, float]:
        """The tool (or MODEL, OUT_OF_SCOPE) and its probability: the head's reading, with the table's words
        overriding a language-model reading, a follow-up staying with the previous table tool when the turn is no
        surer question of its own, and "how many" meaning a count."""
        p = self.probabilities(turn)
        top = max(p, key=p.get)
        best = max(self.specs, key=lambda t: p.get(t, 0.0))
        cue = next((tool for tool, pattern in CUES if pattern.search(turn)), None)
        table = self.about_table(turn, session) or (cue is not None and not MODEL_WORDS.search(turn))
        previous = session.last()
        if previous is not None and previous.tool in self.specs and FOLLOW_ON.search(turn) and p[OUT_OF_SCOPE] < 0.8 \
                and cue is None and (p[best] < 0.6 or re.search(r"\bsame\b", turn, re.IGNORECASE)):
            return previous.tool, max(p[best], 0.6)
        if top == OUT_OF_SCOPE and p[top] >= 0.5 and not (cue not in (None, OUT_OF_SCOPE) and table and p[top] < 0.9):
            return top, p[top]
        if top == MODEL and (not table or MODEL_WORDS.search(turn)):
            return MODEL, p[top]
        sure = max(p[best], self.head.threshold)  # a turn about the table goes to a table tool
        if COUNTING.search(turn) and not ERRING.search(turn) and cue in (None, "filter", "describe"):
            return "count", sure
        if cue == OUT_OF_SCOPE:
            return OUT_OF_SCOPE, max(p[OUT_OF_SCOPE], 0.5)
        if cue == "score" and ERRING.search(turn) and re.search(r"\bwhere\b|\bwhich\b", turn, re.I):
            cue = "mistakes"  # "where does the error come from" asks where, not how much
        if cue is not None and table:
            return cue, max(sure, p.get(cue, 0.0))
        if top in (MODEL, OUT_OF_SCOPE) or p[best] < self.head.threshold:
            return (best, sure) if table else (top, p[top])
        return best, p[best]

    def route_one(self, turn: str, session: Session) -> Route | None:
        tool, confidence = self.choose(turn, session)
        if tool == MODEL:
            return None
        if tool == OUT_OF_SCOPE or confidence < self.head.threshold:
            sure = 1 - confidence if tool == OUT_OF_SCOPE else confidence
            return Route([], sure, UNSURE.format(names=", ".join(self.specs)))
        args, question = table_slots.fill(tool, turn, session, list(self.specs[tool].tool.inputs))
        previous = session.last()
        if previous is not None and previous.tool == tool and FOLLOW_ON.search(turn):
            kept = {k: v for k, v in previous.args.items() if k not in ("filter", "row", "instance")}
            args.update({k: v for k, v in kept.items() if args.get(k) is None})  # a follow-up changes what it names
        if tool == "describe" and args["feature"] is None and session.table.task == "classification":
            tool, args = "labels", {"filter": args["filter"]}  # describing a class target is its label counts
        session.pending = tool if question else None
        if tool == "score" and len(metrics := table_slots.metrics_of(turn, session.table)) > 1:
            return Route([Call(tool, {**args, "metric": m}) for m in metrics], confidence, question)
        return Route([Call(tool, args)], confidence, question)


def write_head(domain: str, name: str, training: Any) -> None:
    """Fit a data domain's packaged head for the built-in tools (`training(domain_specs, model_specs)`) and write it
    into the package as `agent/data/<name>_intent.npz`."""
    from talkscope.agent.routes import load_specs
    from talkscope.retrieval.embed import load_embedder
    from talkscope.tools.base import list_tools

    tools = list_tools()
    embedder = load_embedder()
    rows = training(load_specs(tools, domain), load_specs(tools, "model"))
    head = train(rows, lambda texts: np.asarray(embedder.encode(texts)))
    target = Path(__file__).with_name("data") / f"{name}_intent.npz"
    head.save(target)
    print(f"wrote {target}: {len(head.labels)} classes, temperature {head.temperature:.3f}, threshold "
          f"{head.threshold:.2f}, data {head.digest}")


def main() -> None:
    """Fit the packaged table head for the built-in tools and write it into the package."""
    write_head("table", "table", table_training_set)


if __name__ == "__main__":
    main()
