"""Routing when a text dataset is loaded (`--data ... --text`): which text tool a turn asks for, or that it is about
the language model after all (the default router takes it), or out of scope.

As for tables (`table_router.py`), a third intent head is fitted on the text tools' route data, every
language-model tool's utterances as one class (`MODEL`) and the out-of-scope families (the text ones
included); the default head is left as it is. Arguments are read with the collection's labels and columns
(`text_slots.py`). A follow-up ("and for praise?", "now by label") keeps the previous call's arguments and
changes what it names; a turn that asks two things is cut at the default router's joints.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from talkscope.agent import text_slots
from talkscope.agent.intent import OUT_OF_SCOPE, Example, load_fitted
from talkscope.agent.routes import RouteSpec
from talkscope.agent.session import Call, Route, Session
from talkscope.agent.table_router import MODEL, domain_training_set, write_head

PACKAGED = "data/text_intent.npz"
UNSURE = "I am not sure what you want to know about the texts. I can: {names}. Which one?"
MODEL_WORDS = re.compile(r"[\"“”]|\b(?:logit\s+lens|patchscopes?|attribution|saliency|neurons?|attention\s+heads?|"
                         r"residual\s+stream|documents?|sources?|papers?|trace|tracing|next\s+token\s+after)\b",
                         re.IGNORECASE)
FOLLOW_ON = re.compile(r"^\s*(?:and|what\s+about|how\s+about|now|same|ok(?:ay)?|only|just|but|then|also|for|"
                       r"instead|show\s+me\s+\d+|\d+\s+instead)\b|\binstead\b|\bsame\b|\bagain\b", re.IGNORECASE)
CUES = (  # in order: a probe or surprisal word decides before a comparison word ("is surprisal different per label?")
    ("label_check", re.compile(r"mis-?label|label\s+(?:noise|errors?|quality|issues?)|annotation\s+(?:errors?|"
                               r"mistakes?)|noisy\s+labels?|decodab|linearly|separable|zero[- ]?shot|confident\s+"
                               r"learning|cleanlab|wrong\w*\s+label|labels?\s+(?:look|seem)\s+wrong|\bprob(?:e|ing)\b|"
                               r"\b(?:which|what)\s+layer",
                               re.IGNORECASE)),
    ("surprise", re.compile(r"surpris\w*|perplex\w*|unexpected|\bodd(?:est)?\b|\bweird\w*|unusual|outliers?|"
                            r"anomal\w*|\bstrange\w*|log-?prob\w*|\bnll\b|least\s+likely|most\s+likely\s+texts?|"
                            r"predictable", re.IGNORECASE)),
    ("contrast_groups", re.compile(r"\b(?:differ\w*|contrast\w*|compar\w*|versus|vs\.?|distinguish\w*|separat\w+\s+"
                                   r"(?!\w+\s+from\s+the\s+model)|sets?\s+\w+(?:\s+\w+)?\s+apart|apart\s+from|"
                                   r"log-?odds|fightin)", re.IGNORECASE)),
    ("topics", re.compile(r"\btopics?\b|\bthemes?\b|\bclusters?\b|\bwhat(?:'s|\s+is)\s+in\s+(?:here|it|this|the)|"
                          r"\bwhat\s+are\s+(?:people|they|customers|users)\s+(?:writing|talking|complaining)|"
                          r"c-?tf-?idf|\bgroup\s+the\s+texts", re.IGNORECASE)),
)


def text_training_set(text_specs: dict[str, RouteSpec], model_specs: dict[str, RouteSpec]) -> list[Example]:
    return domain_training_set(text_specs, model_specs, "texts")


class TextRouter:
    """Routes the turns of a conversation about a text dataset; `route` returns None for a language-model turn."""

    def __init__(self, text_specs: dict[str, RouteSpec], model_specs: dict[str, RouteSpec], encode: Any,
                 cache: Path) -> None:
        self.specs = text_specs
        self.encode = encode
        self.head = load_fitted(text_training_set(text_specs, model_specs), encode, cache, PACKAGED, "text-intent",
                                "Fitting the text-dataset question router (once; then cached)")

    def probabilities(self, turn: str) -> dict[str, float]:
        p = self.head.probabilities(np.asarray(self.encode([turn])), [turn])[0]
        return dict(zip(self.head.labels, map(float, p)))

    def choose(self, turn: str, session: Session) -> tuple[str, float]:
        p = self.probabilities(turn)
        top = max(p, key=p.get)
        best = max(self.specs, key=lambda t: p.get(t, 0.0))
        cue = next((tool for tool, pattern in CUES if pattern.search(turn)), None)
        previous = session.last()
        if previous is not None and previous.tool in self.specs and FOLLOW_ON.search(turn) and cue is None and \
                p[OUT_OF_SCOPE] < 0.8:
            return previous.tool, max(p[best], 0.6)
        if top == OUT_OF_SCOPE and p[top] >= 0.5 and not (cue and p[top] < 0.9):
            return top, p[top]
        if top == MODEL and (cue is None or MODEL_WORDS.search(turn)):
            return MODEL, p[top]
        if cue is not None:
            return cue, max(p.get(cue, 0.0), self.head.threshold)
        return (best, p[best]) if top in (MODEL, OUT_OF_SCOPE) else (top, p[top])

    def route(self, turn: str, session: Session) -> Route | None:
        from talkscope.agent.router import split_turn

        parts = split_turn(turn)
        if len(parts) > 1:
            scratch, calls, confidence = session.fork(), [], 1.0
            for part in parts:
                r = self.route_one(part, scratch)
                if r is None or r.clarify:
                    return self.route_one(turn, session)
                scratch.record(r)
                calls += r.calls
                confidence = min(confidence, r.confidence)
            if len({c.tool for c in calls}) > 1 or len(calls) == len(parts):
                return Route(calls, confidence)
        return self.route_one(turn, session)

    def route_one(self, turn: str, session: Session) -> Route | None:
        tool, confidence = self.choose(turn, session)
        if tool == MODEL:
            return None
        if tool == OUT_OF_SCOPE or confidence < self.head.threshold:
            sure = 1 - confidence if tool == OUT_OF_SCOPE else confidence
            return Route([], sure, UNSURE.format(names=", ".join(self.specs)))
        args = text_slots.fill(tool, turn, session, list(self.specs[tool].tool.inputs))
        previous = session.last()
        if previous is not None and previous.tool == tool and FOLLOW_ON.search(turn):
            args = follow_up(tool, previous.args, {k: v for k, v in args.items() if v is not None})
        if tool == "contrast_groups" and args.get("group_b") == "the rest":
            args["group_b"] = None  # the tool's own reading of no second group: every other text
        if tool == "contrast_groups" and args.get("group_a") is None:
            return Route([Call(tool, args)], confidence, "Which two groups? Name two labels, two clusters "
                         "('cluster 2') or a group and 'the rest'.")
        return Route([Call(tool, args)], confidence)


def follow_up(tool: str, before: dict[str, Any], named: dict[str, Any]) -> dict[str, Any]:
    """A follow-up keeps the previous call's arguments and changes what it names; naming one text of `surprise`
    drops the grouping and the filter (and the other way round), naming one group of a contrast keeps the other."""
    kept = dict(before)
    if tool == "surprise" and ("by" in named or "filter" in named):
        kept["example"] = None
    if tool == "surprise" and "example" in named:
        kept["by"] = kept["filter"] = None
    return {**kept, **named}


def main() -> None:
    """Fit the packaged text head for the built-in tools and write it into the package."""
    write_head("texts", "text", text_training_set)


if __name__ == "__main__":
    main()
