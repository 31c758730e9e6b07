"""Route data: how the router reaches each tool, read from the tool's own package and checked on load.

A tool's route data is a JSON object (by default `data/routes/<name>.json` beside the tool's module, or the
tool's `route_data`):

- `tool`: the tool's name;
- `training`: paraphrase families (name -> utterances) the intent classifier learns from (`agent/intent.py`);
- `exemplars`: more ways of asking for it, beyond the tool's `examples` and `follow_ups` (which are
  exemplars too and must not be repeated here); quoted text is written X;
- `slots`: per argument, the patterns that read it (each with a group `v`; `QUOTED` stands for a quoted
  span), as a list or as `{"patterns", "values", "prefix_values", "reader"}` mapping words to values; a
  `reader` (`agent/readers.py`: layers, claim, unquoted_prompt) reads what no pattern found. An argument with
  `aliases` in its `Arg` gets a slot from them when the file has none for it;
- `from_session`, `needs_one_of`: arguments taken from the conversation / of which one must be found;
- `ask`: per argument, the question to ask when it is missing;
- `names`: words that name the tool itself ("logit lens"): a turn that names one tool goes to it;
- `fan_out`: arguments of which one turn may name several values ("saliency and IG"): one call per value;
- `implies`: per argument, values other arguments take when the turn names it and not them (a relation
  implies the attribute kind).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from importlib.resources import files
from typing import Any

from talkscope.agent.readers import READERS
from talkscope.tools.base import Arg, Tool
from talkscope.tools.engine.errors import TalkscopeError

# A quoted span: "...", “...”, or '...' when the quotes are not apostrophes inside words (which it may hold).
QUOTED = r"(?:\"[^\"]+\"|“[^”]+”|(?<!\w)'(?:[^']|(?<=\w)'(?=\w))+'(?!\w))"
FIELDS = {"tool": str, "exemplars": list, "slots": dict, "suggest": list, "from_session": list,
          "needs_one_of": list, "ask": dict, "implies": dict, "training": dict, "names": list, "fan_out": list}


def _key(text: str) -> str:
    """How a word is looked up: lower case, spaces, '-' and '_' ignored ("Leave-one-out" = "leave one out")."""
    return re.sub(r"[\s_\-]+", "", text.strip().lower())


def alternation(words: Any) -> str:
    """A regex alternative of the words, longest first, with spaces, '-' and '_' interchangeable (or absent)."""
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(r"[\s_\-]*".join(map(re.escape, re.split(r"[\s_\-]+", w.strip()))) for w in ordered)


@dataclass(frozen=True)
class Slot:
    """How to read one argument: patterns with a group `v`, tried in order, and synonyms -> values."""

    patterns: tuple[re.Pattern[str], ...]
    values: dict[str, str]
    prefix_values: dict[str, str]
    quoted: tuple[bool, ...] = ()  # per pattern: does it read a quoted span (written QUOTED in the data)?
    reader: str | None = None  # a reader (`agent/readers.py`) for what no pattern found

    @classmethod
    def from_data(cls, raw: list[str] | dict[str, Any]) -> Slot:
        raw = {"patterns": raw} if isinstance(raw, list) else raw
        pats = tuple(re.compile(p.replace("QUOTED", QUOTED), re.IGNORECASE) for p in raw["patterns"])
        values = {_key(k): v for k, v in raw.get("values", {}).items()}
        quoted = tuple("(?P<v>QUOTED)" in p for p in raw["patterns"])
        return cls(pats, values, {_key(k): v for k, v in raw.get("prefix_values", {}).items()}, quoted,
                   raw.get("reader"))

    @cached_property
    def quoted_patterns(self) -> tuple[re.Pattern[str], ...]:
        """Patterns whose value is a quoted span: cues for the span's role (`agent/slots.py`)."""
        return tuple(p for p, q in zip(self.patterns, self.quoted) if q)

    @cached_property
    def plain_patterns(self) -> tuple[re.Pattern[str], ...]:
        """Patterns that read words outside quotes (layers, methods, unquoted queries)."""
        return tuple(p for p, q in zip(self.patterns, self.quoted) if not q)

    @classmethod
    def from_aliases(cls, aliases: dict[str, str]) -> Slot:
        """One pattern matching any alias (longest first; spaces, '-' and '_' interchangeable)."""
        pattern = re.compile(rf"(?<!\w)(?P<v>{alternation(aliases)})s?(?!\w)", re.IGNORECASE)  # plurals too
        return cls((pattern,), {_key(k): v for k, v in aliases.items()}, {}, (False,))

    def canonical(self, text: str) -> str:
        key = _key(text)
        if key in self.values:
            return self.values[key]
        return next((v for k, v in self.prefix_values.items() if key.startswith(k)), text)


@dataclass(frozen=True)
class RouteSpec:
    tool: type[Tool]
    exemplars: tuple[str, ...]  # masked: the tool's examples and follow-ups, then the route data's own
    slots: dict[str, Slot]
    from_session: tuple[str, ...] = ()  # optional args taken from the conversation when the turn has none
    needs_one_of: tuple[str, ...] = ()  # at least one of these must be found (else ask)
    ask: dict[str, str] | None = None  # per argument, the question when it is missing
    implies: dict[str, dict[str, Any]] = field(default_factory=dict)  # an argument found -> defaults it sets
    training: dict[str, list[str]] = field(default_factory=dict)  # paraphrase family -> utterances (raw)
    names: re.Pattern[str] | None = None  # the words that name the tool itself ("logit lens", "probe")
    fan_out: tuple[str, ...] = ()  # arguments of which a turn may name several values: one call each


def mask_quotes(turn: str) -> str:
    """What the intent is read from: quoted text becomes X and numbers N, so neither sways it."""
    return re.sub(r"\b\d+\b", "N", re.sub(QUOTED, "X", turn))


def route_data(tool: type[Tool]) -> tuple[dict[str, Any], str] | None:
    """(the tool's raw route data, where it came from), or None when the tool has none."""
    if isinstance(tool.route_data, dict):
        return tool.route_data, f"{tool.__name__}.route_data"
    package = tool.__module__.rpartition(".")[0] or tool.__module__
    rel = tool.route_data or f"data/routes/{tool.name}.json"
    try:
        path = files(package).joinpath(rel)
        text = path.read_text(encoding="utf-8") if path.is_file() else None
    except (ModuleNotFoundError, TypeError, OSError):
        text = None
    if text is None:
        return None
    try:
        return json.loads(text), str(path)
    except json.JSONDecodeError as err:
        raise TalkscopeError(f"route data {path} is not valid JSON: {err.msg} (line {err.lineno})") from err


def validate(raw: Any, where: str, tool: type[Tool]) -> None:
    """Raise a TalkscopeError naming the file and field when the route data does not fit the tool."""
    def fail(field: str, what: str) -> None:
        raise TalkscopeError(f"route data {where}: field '{field}' {what}")

    if not isinstance(raw, dict):
        fail("(top)", "must be a JSON object")
    for key, value in raw.items():
        if key not in FIELDS:
            fail(key, f"is not known; the fields are: {', '.join(FIELDS)}")
        if not isinstance(value, FIELDS[key]):
            fail(key, f"must be a {FIELDS[key].__name__}")
    if raw.get("tool") != tool.name:
        fail("tool", f"must be {tool.name!r}, the name of the tool it routes to")
    if "suggest" in raw:
        fail("suggest", "is no longer read: suggestions come from the tools' `follow_ups`")
    shown = {mask_quotes(e) for e in (*tool.examples, *tool.follow_ups)}
    for i, ex in enumerate(raw.get("exemplars", [])):
        if not isinstance(ex, str) or not ex.strip():
            fail(f"exemplars[{i}]", "must be a non-empty string")
        if mask_quotes(ex) in shown:
            fail(f"exemplars[{i}]", f"repeats the tool's example {ex!r}: keep it in one place")
    for name, slot in raw.get("slots", {}).items():
        _validate_slot(fail, name, slot, tool)
    for i, name in enumerate(raw.get("names", [])):
        if not isinstance(name, str) or not name.strip():
            fail(f"names[{i}]", "must be a non-empty string: a word that names the tool")
    for key in ("from_session", "needs_one_of", "fan_out"):
        for arg in raw.get(key, []):
            if arg not in tool.inputs:
                fail(key, f"names {arg!r}, which is not an argument of {tool.name}")
    for family, texts in raw.get("training", {}).items():
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) and t.strip() for t in texts):
            fail(f"training.{family}", "must be a non-empty list of utterances (strings)")
    for arg, implied in raw.get("implies", {}).items():
        if arg not in tool.inputs or not isinstance(implied, dict) or not set(implied) <= set(tool.inputs):
            fail(f"implies.{arg}", f"must map an argument of {tool.name} to {{argument: value}}")
    for arg, question in raw.get("ask", {}).items():
        if arg not in tool.inputs:
            fail("ask", f"names {arg!r}, which is not an argument of {tool.name}")
        if not isinstance(question, str) or not question.strip():
            fail(f"ask.{arg}", "must be the question to ask, a non-empty string")


def _validate_slot(fail: Any, name: str, slot: Any, tool: type[Tool]) -> None:
    if name not in tool.inputs:
        fail(f"slots.{name}", f"is not an argument of {tool.name} ({', '.join(tool.inputs)})")
    patterns = slot if isinstance(slot, list) else slot.get("patterns") if isinstance(slot, dict) else None
    reader = slot.get("reader") if isinstance(slot, dict) else None
    if not isinstance(patterns, list) or not (patterns or reader):
        fail(f"slots.{name}", "must be a list of patterns or an object with 'patterns' (or a 'reader')")
    if reader is not None and reader not in READERS:
        fail(f"slots.{name}.reader", f"is {reader!r}; the readers are {', '.join(READERS)}")
    if isinstance(slot, dict):
        for key in ("values", "prefix_values"):
            words = slot.get(key, {})
            if not isinstance(words, dict) or not all(isinstance(v, str) for v in (*words, *words.values())):
                fail(f"slots.{name}.{key}", "must map words to values (strings)")
        extra = set(slot) - {"patterns", "values", "prefix_values", "reader"}
        if extra:
            fail(f"slots.{name}", f"has unknown fields {sorted(extra)}; the fields are patterns, values, "
                 "prefix_values, reader")
    for i, p in enumerate(patterns):
        try:
            compiled = re.compile(str(p).replace("QUOTED", QUOTED))
        except re.error as err:
            fail(f"slots.{name}.patterns[{i}]", f"is not a valid regular expression ({err})")
        if "v" not in compiled.groupindex:
            fail(f"slots.{name}.patterns[{i}]", "needs a group (?P<v>...) for the value it reads")


def build_spec(tool: type[Tool], raw: dict[str, Any]) -> RouteSpec:
    slots = {arg: Slot.from_data(pats) for arg, pats in raw.get("slots", {}).items()}
    for name, arg in tool.inputs.items():
        if name not in slots and arg.synonyms():
            slots[name] = Slot.from_aliases(arg.synonyms())
    own = [mask_quotes(e) for e in (*tool.examples, *tool.follow_ups)]
    exemplars = tuple(dict.fromkeys(own + list(raw.get("exemplars", []))))
    return RouteSpec(tool, exemplars, slots, tuple(raw.get("from_session", ())), tuple(raw.get("needs_one_of", ())),
                     dict(raw.get("ask", {})), dict(raw.get("implies", {})), dict(raw.get("training", {})),
                     names_pattern(raw.get("names", [])), tuple(raw.get("fan_out", ())))


def names_pattern(names: list[str]) -> re.Pattern[str] | None:
    """One pattern for the words naming a tool (whole words; spaces, '-' and '_' interchangeable)."""
    if not names:
        return None
    return re.compile(rf"(?<!\w)(?:{alternation(names)})(?!\w)", re.IGNORECASE)


def load_specs(tools: list[type[Tool]], domain: str | None = None) -> dict[str, RouteSpec]:
    """Routing data of every given tool that has any, checked; only the tools of `domain` ("model": the default
    router's, "table": the table router's) when given."""
    specs = {}
    for tool in tools:
        if domain is not None and tool.domain != domain:
            continue
        found = route_data(tool)
        if found is None and tool.route_data is not None:
            raise TalkscopeError(f"the tool '{tool.name}' names route data {tool.route_data!r} in its package "
                                 f"({tool.__module__}), and there is none: ship the file as package data")
        if found is None:
            continue
        raw, where = found
        validate(raw, where, tool)
        specs[tool.name] = build_spec(tool, raw)
    return specs


def suggestions_after(tool: type[Tool], tools: dict[str, type[Tool]]) -> list[str]:
    """What to offer next after an answer of `tool`: every tool's follow-ups that name it (`follow_ups` maps a
    turn to the tools it follows); lacking any, its own other examples; lacking those (help), every other
    tool's headline example."""
    offers = [turn for other in tools.values() for turn, after in other.follow_ups.items() if tool.name in after]
    if not offers:
        offers = list(tool.examples[1:])
    if not offers:
        offers = [other.examples[0] for other in tools.values() if other is not tool and other.examples]
    return offers


def arg_value(arg: Arg, text: str) -> Any:
    """A slot's text as the argument's value (quotes removed, numbers and layer lists parsed)."""
    text = text.strip()
    if text[:1] in "\"“'" and len(text) >= 2:
        text = text[1:-1]
    return arg.from_text(text)
