"""Turn a turn of conversation into tool calls, offline and in milliseconds.

Which tool: a calibrated classifier (`agent/intent.py`) reads the turn with its quoted text masked; a turn that
names a tool goes to it when the classifier is unsure, and a follow-up that changes only a call's details
stays with the previous call's tool. Which arguments: quoted spans by their role (`agent/slots.py`), the other
words by each tool's slot rules, kept as data beside the tool (`data/routes/<tool>.json`), and by the readers
of `agent/readers.py`; then the session supplies what the turn leaves out or points back at. A turn that asks
two things is cut into its questions. Only registered tools are routed to.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np

from talkscope.agent.intent import OUT_OF_SCOPE, load_head
from talkscope.agent.readers import READERS, closest_word, follow_on_topic
from talkscope.agent.routes import QUOTED, RouteSpec, arg_value, load_specs, mask_quotes, suggestions_after
from talkscope.agent.session import Call, Route, Session
from talkscope.agent.slots import assign, blank_quotes, quoted_spans
from talkscope.tools.base import list_tools
from talkscope.tools.base import parse_int_list as parse_layers  # noqa: F401  (part of this module's API)

if TYPE_CHECKING:
    from talkscope.agent.table_router import TableRouter
    from talkscope.agent.text_router import TextRouter

__all__ = ["QUOTED", "Route", "Router", "mask_quotes", "parse_layers", "split_turn"]

# Where a turn may ask two things (outside quotes): "; then", " and ", ", also", "+", ". Then", "? And" ...
JOINT = re.compile(r"\s*(?:;(?:\s*(?:then|and|also)\b)?|\s[+&]|,?\s+and(?!\s+not\b)(?:\s+(?:then|also)\b)?|,?\s+then|"
                   r",?\s+(?:plus|as\s+well\s+as|followed\s+by|after\s+that)|,\s+also|"
                   r"(?<=[.?!])(?:\s+(?:and|then|also)\b)?)\s+", re.IGNORECASE)
MAX_PARTS = 6
SPLIT_SURE = 0.5  # a piece reads as a question of its own when its tool is at least this likely
# A follow-up that refers back: it stays with the previous tool when that tool's slots read something in it.
FOLLOW_UP = re.compile(r"^\s*(?:what|how)\s+about\b|^\s*(?:and|only|just|now|same|but|ok(?:ay)?|then|also|try|use|"
                       r"switch|instead)\b", re.IGNORECASE)
_ARGUMENT_WORD = r"(?!\s+(?:prompt|sentence|text|input|token|word|position|layers?|concept|method|relation)s?\b)"
SAME_AGAIN = re.compile(rf"\b(?:the\s+same|same\s+thing|again|re-?run|redo)\b{_ARGUMENT_WORD}|"
                        rf"^\s*same\b{_ARGUMENT_WORD}", re.IGNORECASE)
BACK_TO = re.compile(r"\b(?:back\s+to|return(?:ing)?\s+to|go(?:ing)?\s+back)\b", re.IGNORECASE)
# A follow-up that adds to a list argument rather than replacing it ("throw in "Melbourne" as a third option").
ADDS = re.compile(r"\b(?:add(?:ed|ing)?|also|as\s+well|too|another|third|fourth|fifth|extra|include|throw\s+in|plus)\b",
                  re.IGNORECASE)
# "that token", "the same layers": an argument taken from the conversation when the turn points back at it.
POINTS_BACK = r"\b(?:that|this|the\s+same|same|those|these)\s+(?:{words})s?\b|\b(?:{here})\b"
ARG_WORDS = {"prompt": "prompt|sentence|text|input", "token": "token|word|position", "layer": "layer",
             "concept": "concept|dataset", "method": "method", "relation": "relation"}
HERE = {"token": "there"}  # "patchscope there": the same position
ANSWERING = re.compile(r"^\s*(?:i\s+mean(?:t)?|for|on|after|about|with|use)\b|^\s*" + QUOTED + r"\s*[.?!]?\s*$",
                       re.IGNORECASE)
ASK_DEFAULT = 'Which {name} should I use? Put it in quotes, e.g. "The capital of France is".'
MAX_CHARS = 2000  # what the intent is read from (a pasted page is not a question about its length)
NAMED = 0.9  # the confidence of a turn that names its tool
SHORT = 6  # words: a turn this short that names a call's details is a follow-up to it ...
SURE = 0.985  # ... unless it reads as another tool this surely ("Is number decodable at layer 5?")
FOLLOW_UP_BELOW = 0.9  # an unsure reading of a turn that names the previous tool's arguments is a follow-up
UNSURE = "I am not sure what you want to know. I can run: {names}. Which one, and on what prompt?"


class Router:
    """The default router: sentence-embedding intent + slot grammar + session state."""

    def __init__(self) -> None:
        from talkscope.retrieval.embed import load_embedder
        from talkscope.tools.engine.loading import cache_root

        self.tools = {t.name: t for t in list_tools()}
        self.specs: dict[str, RouteSpec] = load_specs(list(self.tools.values()), "model")
        self._embedder = load_embedder()
        self.head = load_head(self.specs, self._embed, cache_root() / "router")
        self._table: TableRouter | None = None  # built when a conversation first has a table
        self._text: TextRouter | None = None  # ... or a text dataset
        self._seen: dict[str, tuple[str, float]] = {}  # intent of recently read texts (parts are read twice)

    def _embed(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._embedder.encode(texts))

    def intent(self, turn: str) -> tuple[str, float]:
        """(tool or OUT_OF_SCOPE, calibrated probability) from the intent classifier."""
        text = mask_quotes(turn)[:MAX_CHARS].strip()
        if text not in self._seen:
            p = self.head.probabilities(self._embed([text]), [text])[0]
            top = int(p.argmax())
            self._seen[text] = (self.head.labels[top], float(p[top]))
            if len(self._seen) > 512:
                self._seen.pop(next(iter(self._seen)))
        return self._seen[text]

    def fill(self, tool: str, turn: str, session: Session) -> tuple[dict[str, Any], str | None]:
        """Arguments the turn names (`read_slots`), then from the session (what the tool needs, what the turn
        points back at: "that token", "the same layers"); a question if a required one is still missing. A
        follow-up to the same tool keeps the previous call's arguments and changes what it names."""
        spec = self.specs[tool]
        args: dict[str, Any] = {name: None for name in spec.tool.inputs}
        previous = session.last()
        named = self.read_slots(tool, turn, session.last_value("prompt"),
                                follow_up=previous is not None and previous.tool == tool)
        # A follow-up to the same tool keeps the previous call's arguments, unless the turn is a question of its
        # own about something new (a new prompt; a new concept asked in full, not "same for tense", "now sentiment").
        subject = self.subject(tool)
        new_subject = subject in named and previous is not None and named[subject] != previous.args.get(subject)
        continuing = bool(SAME_AGAIN.search(turn) or (subject != "prompt" and (
            FOLLOW_UP.search(turn) or len(turn.split()) <= 4)))
        earlier = session.last(tool)
        if previous is not None and previous.tool == tool and (not new_subject or continuing):
            args.update(previous.args)  # a follow-up: keep everything the turn does not change
            if any(n in named for n in spec.needs_one_of):  # alternatives: naming one drops the others
                args.update({n: None for n in spec.needs_one_of})
        elif earlier is not None and BACK_TO.search(turn) and earlier.args.get("prompt") is not None and \
                earlier.args.get("prompt") == named.get("prompt", session.last_value("prompt")):
            args.update(earlier.args)  # back to a tool used earlier on the same prompt ("back to the trace, MLPs")
        args = self._extend_lists(spec, args, named, turn, previous)
        blank = blank_quotes(turn)
        wanted = [n for n, a in spec.tool.inputs.items() if a.required or (
            n in ARG_WORDS and re.search(POINTS_BACK.format(words=ARG_WORDS[n], here=HERE.get(n, "(?!)")), blank,
                                         re.IGNORECASE))]
        if not any(args[n] is not None for n in spec.needs_one_of):
            wanted += list(spec.from_session)
        for name in wanted:
            if args[name] is None:
                args[name] = session.last_value(name)
        for inside in ("token", "subject"):  # words that name a part of the prompt must be in it
            if args.get(inside) and args.get("prompt") and args[inside].lower() not in args["prompt"].lower() and \
                    (inside == "subject" or args[inside] not in {s.text for s in quoted_spans(turn)}):
                args[inside] = None  # (an unquoted token word, or a subject carried over from another prompt)
        missing = [n for n, a in spec.tool.inputs.items() if a.required and args[n] is None]
        if spec.needs_one_of and not any(args[n] is not None for n in spec.needs_one_of):
            missing = [" or ".join(spec.needs_one_of)]
        if missing:
            return args, (spec.ask or {}).get(missing[0], ASK_DEFAULT).format(name=missing[0])
        return args, None

    @staticmethod
    def _extend_lists(spec: RouteSpec, args: dict[str, Any], named: dict[str, Any], turn: str,
                      previous: Call | None) -> dict[str, Any]:
        """The turn's arguments over the kept ones; a list the turn adds to ("add "cool" as a third option")
        grows instead of being replaced."""
        out = {**args, **named}
        for name, value in named.items():
            kept = args.get(name)
            if isinstance(value, list) and isinstance(kept, list) and previous is not None and \
                    previous.tool == spec.tool.name and ADDS.search(blank_quotes(turn)):
                out[name] = kept + [v for v in value if v not in kept]
        return out

    def route(self, turn: str, session: Session | None = None) -> Route:
        """One call per question in the turn; later questions see the earlier ones' arguments."""
        session = session or Session()
        if session.texts is not None:
            routed = self.text_router().route(turn, session)
            if routed is not None:
                return routed
        if session.table is not None:
            routed = self.table_router().route(turn, session)
            if routed is not None:
                return routed
        parts = self.questions(turn, session)
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

    def text_router(self) -> TextRouter:
        if self._text is None:
            from talkscope.agent.text_router import TextRouter
            from talkscope.tools.engine.loading import cache_root

            texts = load_specs(list(self.tools.values()), "texts")
            self._text = TextRouter(texts, self.specs, self._embed, cache_root() / "router")
        return self._text

    def table_router(self) -> TableRouter:
        if self._table is None:
            from talkscope.agent.table_router import TableRouter
            from talkscope.tools.engine.loading import cache_root

            table = load_specs(list(self.tools.values()), "table")
            self._table = TableRouter(table, self.specs, self._embed, cache_root() / "router")
        return self._table

    def questions(self, turn: str, session: Session) -> list[str]:
        """The turn cut at those joints (`split_turn`) where both sides stand as questions of their own: each
        routes without a question back, the right one reads as a tool on its own, and it does not merely add
        an argument to the left one's call ("... after "X"? Use 100 tokens." stays one question)."""
        spans = part_spans(turn)[:MAX_PARTS]
        if len(spans) == 1:
            return [turn]
        kept = [spans[0]]
        scratch = Session(list(session.calls))
        for a, b in spans[1:]:
            left = turn[kept[-1][0]:kept[-1][1]]
            first = self._stands_apart(left, turn[a:b], scratch)
            if first is None:
                kept[-1] = (kept[-1][0], b)
            else:
                scratch.record(first)
                kept.append((a, b))
        return [turn[a:b].strip() for a, b in kept]

    def _stands_apart(self, left: str, right: str, scratch: Session) -> Route | None:
        """The left part's route when the right part is a question of its own after it, else None."""
        first = self.route_one(left, Session(list(scratch.calls)))
        tool, confidence = self.intent(right)
        if first.clarify or tool == OUT_OF_SCOPE or min(confidence, first.confidence) < SPLIT_SURE:
            return None
        second = self.route_one(right, Session(list(scratch.calls) + first.calls))
        if second.clarify or (second.calls[0].tool == "help" and len(right.split()) <= 3):
            return None  # "..., and where?" is not a request for help
        if second.calls[0].tool == first.calls[0].tool:
            # the right part is read in the left one's context: a short quoted span there is more likely a new
            # candidate, subject or answer than a new prompt
            mine, theirs = self.read_slots(tool, left), self.read_slots(tool, right, first.calls[0].args.get("prompt"))
            alternatives = self.specs[tool].needs_one_of
            other = any(first.calls[0].args.get(a) is not None for a in alternatives if a not in theirs)
            if not any(k in mine and mine[k] != v for k, v in theirs.items()) and not (
                    other and any(a in theirs for a in alternatives)):
                return None  # it only adds to the left call
        return first

    def route_one(self, turn: str, session: Session) -> Route:
        tool, confidence = self.intent(turn)
        named = self.named_tools(turn)
        if len(named) == 1 and tool != named[0] and tool != "help" and confidence < NAMED:
            tool, confidence = named[0], NAMED  # unsure, and the turn names a tool ("logit lens ...", "probe ...")
        previous = session.last()
        if session.pending and ANSWERING.search(turn):  # the answer to our clarifying question
            tool, confidence = session.pending, max(confidence, 0.8)
        elif previous is not None and previous.tool in self.specs and previous.tool not in named and \
                self.follows_up(previous, turn, tool, confidence, named):
            tool, confidence = previous.tool, max(confidence, 0.8)
        if tool not in self.specs or confidence < self.head.threshold:
            session.pending = None  # confidence: that the turn asks for a tool at all
            sure = 1 - confidence if tool == OUT_OF_SCOPE else confidence
            return Route([], sure, UNSURE.format(names=", ".join(self.specs)))
        args, question = self.fill(tool, turn, session)
        session.pending = tool if question else None
        return Route(self.fan_out(tool, turn, args), confidence, question)

    def named_tools(self, turn: str) -> list[str]:
        """The tools the turn names outside its quotes ("run the logit lens", "probe for tense")."""
        blank = blank_quotes(turn)
        return [name for name, spec in self.specs.items() if spec.names is not None and spec.names.search(blank)]

    def follows_up(self, previous: Call, turn: str, tool: str, confidence: float, named: list[str]) -> bool:
        """Whether a turn leans on the previous call's tool rather than on the tool it reads as on its own: it
        names no other tool, the previous tool's slots read something in it, and it says "the same"/"again",
        opens like a follow-up ("what about", "and", "now", ...), is unsure of its own tool, or changes only
        what the previous call was about (its layers, method, token) and not its subject."""
        if named:
            return False
        slots = self.read_slots(previous.tool, turn, previous.args.get("prompt"), follow_up=True)
        if not slots:
            return bool(SAME_AGAIN.search(turn))
        if SAME_AGAIN.search(turn) or FOLLOW_UP.search(turn):
            return True
        # Otherwise a turn that changes only the call's details (layers, method, a token or target in quotes):
        # any such short turn ("layer 13 only"), a longer one only when it reads as no tool of its own.
        unsure = tool == OUT_OF_SCOPE or confidence < FOLLOW_UP_BELOW
        modifies = self.subject(previous.tool) not in slots
        return modifies and ((len(turn.split()) <= SHORT and confidence < SURE) or unsure)

    def subject(self, tool: str) -> str:
        """What a call is about: its first required argument (the prompt; the concept for probes)."""
        return next((n for n, a in self.specs[tool].tool.inputs.items() if a.required), "prompt")

    def fan_out(self, tool: str, turn: str, args: dict[str, Any]) -> list[Call]:
        """One call per value when the turn names several of an argument that fans out ("saliency and IG")."""
        spec, blank = self.specs[tool], blank_quotes(turn)
        for name in spec.fan_out:
            slot, arg = spec.slots.get(name), spec.tool.inputs[name]
            if slot is None:
                continue
            known = set(slot.values.values()) | set(arg.allowed() or ())
            values = [slot.canonical(turn[m.start("v"):m.end("v")])
                      for p in slot.plain_patterns for m in p.finditer(blank)]
            values = list(dict.fromkeys(v for v in values if v in known))  # words it knows, in the turn's order
            if len(values) > 1:
                return [Call(tool, {**args, name: v}) for v in values]
        return [Call(tool, args)]

    def read_slots(self, tool: str, turn: str, context_prompt: str | None = None,
                   follow_up: bool = False) -> dict[str, Any]:
        """The arguments the turn itself names: quoted spans by their role (`agent/slots.py`), then plain words
        (layers, methods, unquoted queries) read outside the quotes, for the arguments still empty. In a short
        follow-up, a lone number is the call's first numeric argument ("just 7", "bump it to 15")."""
        spec = self.specs[tool]
        texts: dict[str, Any] = assign(spec.slots, turn, context_prompt)
        for name, arg in spec.tool.inputs.items():  # a list of quoted texts ("Paris" or "Lyon"): every span left
            if name in texts and "array" in arg.types and arg.items == "string":
                taken = {t for k, t in texts.items() if k != name}
                texts[name] = [s.text for s in quoted_spans(turn) if s.text not in taken]
        blank = blank_quotes(turn)
        for name, slot in spec.slots.items():
            if name not in texts:
                found = next((m for p in slot.plain_patterns for m in p.finditer(blank)), None)
                if found is not None:
                    texts[name] = turn[found.start("v"):found.end("v")]
                elif slot.reader is not None and (text := READERS[slot.reader](turn, blank, spec.names)):
                    texts[name] = text
                elif slot.values and (close := closest_word(blank, slot.values)):
                    texts[name] = close  # a misspelt name: "intergrated gradiants", "occlsion"
                elif follow_up and slot.reader == "claim" and (topic := follow_on_topic(turn)):
                    texts[name] = topic  # "what about copy suppression?" after a look-up
        numeric = [n for n, a in spec.tool.inputs.items() if {"integer", "array"} & set(a.types)]
        numbers = re.findall(r"(?<![\w.])\d+(?![\w.])(?!\s*(?:tokens?|toks?|words?)\b)", blank)
        if follow_up and numeric and not set(numeric) & set(texts) and len(numbers) == 1 and len(turn.split()) <= 5:
            texts[numeric[0]] = numbers[0]
        named = {name: text if isinstance(text, list) else arg_value(
            spec.tool.inputs[name], spec.slots[name].canonical(text) if name in spec.slots else text)
            for name, text in texts.items()}
        for name, implied in spec.implies.items():
            if named.get(name) is not None:
                named.update(implied)  # a relation means the attribute kind, whatever word hinted otherwise
        return named

    def suggestions(self, tool: str) -> list[str]:
        """What to offer after an answer of this tool (from the tools' `follow_ups`)."""
        if tool not in self.tools:
            return []
        domain = self.tools[tool].domain  # a table answer suggests table questions; a model answer, model ones
        return suggestions_after(self.tools[tool], {n: t for n, t in self.tools.items() if t.domain == domain})


def part_spans(turn: str) -> list[tuple[int, int]]:
    """(start, end) of the pieces of a turn cut at every joint outside quoted text."""
    masked = re.sub(QUOTED, lambda m: "Q" * len(m.group()), turn)
    bounds = [0] + [x for m in JOINT.finditer(masked) for x in m.span()] + [len(turn)]
    spans = [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]
    return [(a, b) for a, b in spans if turn[a:b].strip()] or [(0, len(turn))]


def split_turn(turn: str) -> list[str]:
    """The pieces of a turn cut at every joint outside quoted text (candidates: `Router.questions` keeps the
    cuts where both sides are questions of their own)."""
    return [turn[a:b].strip() for a, b in part_spans(turn)]
