"""Turn a turn of conversation into tool calls, offline and in milliseconds.

Intent: the turn (with quoted text masked, so the prompt's words do not sway it) is embedded with the
packaged MiniLM and compared with exemplar utterances of each tool; the nearest tool wins, and the
margin over the runner-up gives the confidence. The exemplars are each tool's `examples` and
`follow_ups` plus its route data (`agent/routes.py`). Arguments: each tool's slot rules (regular
expressions kept as data beside the tool, `data/routes/<tool>.json`) read quoted text, numbers and
names. Only registered tools are routed to.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from talkscope.agent.routes import QUOTED, RouteSpec, Slot, arg_value, load_specs, mask_quotes, suggestions_after
from talkscope.agent.session import Call, Route, Session
from talkscope.tools.base import list_tools
from talkscope.tools.base import parse_int_list as parse_layers  # noqa: F401  (part of this module's API)

__all__ = ["QUOTED", "Route", "Router", "mask_quotes", "parse_layers", "split_turn"]

# Where a turn asks two things: ", and how sure is it?", "; find sources", ". Also ..." (outside quotes).
JOINT = re.compile(r"\s*(?:,\s*and|;(?:\s*then)?|,?\s+and\s+also|[.?!]\s+(?:also|then|and))\s+"
                   r"(?=(?:how|what|which|why|where|is|are|does|do|can|could|find|show|tell|look|search|run)\b[^?]*\s\w)",
                   re.IGNORECASE)
# A follow-up that refers back: it stays with the previous tool when that tool's slots read something in it.
FOLLOW_UP = re.compile(r"^\s*(?:what|how)\s+about\b|^\s*(?:and|only|just|now|same|but)\b", re.IGNORECASE)
SAME_AGAIN = re.compile(r"\b(?:the\s+same|same\s+thing|again)\b", re.IGNORECASE)
ANSWERING = re.compile(r"^\s*(?:i\s+mean(?:t)?|for|on|after|about|with|use)\b|^\s*" + QUOTED + r"\s*[.?!]?\s*$",
                       re.IGNORECASE)
ASK_DEFAULT = 'Which {name} should I use? Put it in quotes, e.g. "The capital of France is".'
MIN_CONFIDENCE = 0.45  # below this the router asks instead of guessing (tuned on the gold set)


class Router:
    """The default router: sentence-embedding intent + slot grammar + session state."""

    def __init__(self) -> None:
        from talkscope.retrieval.embed import load_embedder

        self.tools = {t.name: t for t in list_tools()}
        self.specs: dict[str, RouteSpec] = load_specs(list(self.tools.values()))
        self._embedder = load_embedder()
        self._labels: list[str] = []
        texts: list[str] = []
        for name, spec in self.specs.items():
            texts.extend(mask_quotes(e) for e in spec.exemplars)
            self._labels.extend([name] * len(spec.exemplars))
        self._matrix = self._embed(texts)  # [n_exemplars, 384], unit rows

    def _embed(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._embedder.encode(texts))

    def intent(self, turn: str) -> tuple[str, float]:
        """(tool, confidence): nearest exemplar's tool; confidence from its similarity and margin."""
        sims = self._matrix @ self._embed([mask_quotes(turn)])[0]
        best: dict[str, float] = {}
        for label, s in zip(self._labels, sims):
            best[label] = max(best.get(label, -1.0), float(s))
        ranked = sorted(best.items(), key=lambda kv: -kv[1])
        top, s1 = ranked[0]
        s2 = ranked[1][1] if len(ranked) > 1 else 0.0
        confidence = float(np.clip(s1, 0, 1) * np.clip(0.5 + 4 * (s1 - s2), 0, 1))
        return top, confidence

    def fill(self, tool: str, turn: str, session: Session) -> tuple[dict[str, Any], str | None]:
        """Arguments from the turn's slots (in the data's order; a quoted span serves one slot only),
        then from the session; a question if a required one is still missing. A follow-up to the same
        tool without new quoted text keeps the previous call's arguments and changes what it names."""
        spec = self.specs[tool]
        args: dict[str, Any] = {name: None for name in spec.tool.inputs}
        named: dict[str, Any] = {}
        claimed: list[tuple[int, int]] = []
        for name, slot in spec.slots.items():
            found = _first_free(slot, turn, claimed)
            if found is not None:
                value, span = found
                if value[:1] in "\"“'":  # a quoted span serves one slot; plain words may serve several
                    claimed.append(span)
                named[name] = arg_value(spec.tool.inputs[name], slot.canonical(value))
        previous = session.last()
        # The subject of a call is its first required argument (the prompt; the concept for probes).
        subject = next((n for n, a in spec.tool.inputs.items() if a.required), "prompt")
        new_subject = subject in named and previous is not None and named[subject] != previous.args.get(subject)
        if previous is not None and previous.tool == tool and (not new_subject or SAME_AGAIN.search(turn)):
            args.update(previous.args)  # a follow-up: keep everything the turn does not change
            if any(n in named for n in spec.needs_one_of):  # alternatives: naming one drops the others
                args.update({n: None for n in spec.needs_one_of})
        args.update(named)
        wanted = [n for n, a in spec.tool.inputs.items() if a.required]
        if not any(args[n] is not None for n in spec.needs_one_of):
            wanted += list(spec.from_session)
        for name in wanted:
            if args[name] is None:
                args[name] = session.last_value(name)
        missing = [n for n, a in spec.tool.inputs.items() if a.required and args[n] is None]
        if spec.needs_one_of and not any(args[n] is not None for n in spec.needs_one_of):
            missing = [" or ".join(spec.needs_one_of)]
        if missing:
            return args, (spec.ask or {}).get(missing[0], ASK_DEFAULT).format(name=missing[0])
        return args, None

    def route(self, turn: str, session: Session | None = None) -> Route:
        """One call per question in the turn; later questions see the earlier ones' arguments."""
        session = session or Session()
        parts = split_turn(turn)
        if len(parts) == 1:
            return self.route_one(turn, session)
        scratch, calls, confidence = Session(list(session.calls)), [], 1.0
        for part in parts:
            r = self.route_one(part, scratch)
            if r.clarify:
                return Route(calls + r.calls, min(confidence, r.confidence), r.clarify)
            scratch.record(r)
            calls += r.calls
            confidence = min(confidence, r.confidence)
        return Route(calls, confidence)

    def route_one(self, turn: str, session: Session) -> Route:
        tool, confidence = self.intent(turn)
        previous = session.last()
        if session.pending and ANSWERING.search(turn):  # the answer to our clarifying question
            tool, confidence = session.pending, max(confidence, 0.8)
        elif previous is not None and previous.tool in self.specs and previous.tool != tool and (
                SAME_AGAIN.search(turn) or (FOLLOW_UP.search(turn) and self.reads_slots(previous.tool, turn))):
            tool, confidence = previous.tool, max(confidence, 0.8)
        args, question = self.fill(tool, turn, session)
        session.pending = tool if question else None
        if confidence < MIN_CONFIDENCE:
            names = ", ".join(self.specs)
            question = f"I am not sure what you want to know. I can run: {names}. Which one, and on what prompt?"
        return Route([Call(tool, args)], confidence, question)

    def reads_slots(self, tool: str, turn: str) -> bool:
        """Whether any argument slot of the tool finds a value in the turn."""
        return any(_first_free(slot, turn, []) is not None for slot in self.specs[tool].slots.values())

    def suggestions(self, tool: str) -> list[str]:
        """What to offer after an answer of this tool (from the tools' `follow_ups`)."""
        return suggestions_after(self.tools[tool], self.tools) if tool in self.tools else []


def split_turn(turn: str) -> list[str]:
    """The questions of a compositional turn, cut at joints outside quoted text."""
    masked = re.sub(QUOTED, lambda m: "Q" * len(m.group()), turn)
    cuts = [(m.start(), m.end()) for m in JOINT.finditer(masked)]
    bounds = [0] + [x for c in cuts for x in c] + [len(turn)]
    parts = [turn[bounds[i]:bounds[i + 1]].strip() for i in range(0, len(bounds), 2)]
    return [p for p in parts if p]


def _first_free(slot: Slot, turn: str, claimed: list[tuple[int, int]]) -> tuple[str, tuple[int, int]] | None:
    """The first match of the slot's patterns whose value does not overlap a span already used."""
    for pattern in slot.patterns:
        for m in pattern.finditer(turn):
            a, b = m.span("v")
            if all(b <= c or a >= d for c, d in claimed):
                return m.group("v"), (a, b)
    return None
