"""The arguments of a question about a text dataset, read with the loaded collection's labels and columns: how many
topics, which example, grouped by what, how many to list, which label check, and the groups or filter it names.

A label value is named as itself ("refund"), a value of another column as a condition ("product == 'router'"),
a cluster as "cluster 3": the forms the tools read (`TextState.mask`)."""

from __future__ import annotations

import re
from typing import Any

from talkscope.agent.session import Session
from talkscope.tools.base import number_word

NUMBER = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty)"
K = re.compile(rf"\b{NUMBER}\s+(?:\w+\s+)?(?:topics?|clusters?|themes?|groups|buckets|categories)\b|\bk\s*=\s*(\d+)",
               re.IGNORECASE)
EXAMPLE = re.compile(r"\b(?:example|text|ticket|message|item|doc(?:ument)?|row|review|id|sample|entry|number|no\.?)"
                     r"\s*(?:#|id)?\s*#?(\d+)\b|#(\d+)\b", re.IGNORECASE)
CLUSTER = re.compile(r"\b(?:cluster|topic|group)\s*#?\s*(\d+)\b", re.IGNORECASE)
BY = (("label", re.compile(r"\b(?:by|per|for\s+each|each|across|split\s+by|broken\s+down\s+by|grouped\s+by)\s+"
                           r"(?:the\s+)?(?:label|class|categor\w+|annotation)s?\b", re.IGNORECASE)),
      ("cluster", re.compile(r"\b(?:by|per|for\s+each|each|across|split\s+by|broken\s+down\s+by|grouped\s+by)\s+"
                             r"(?:the\s+)?(?:cluster|topic|theme)s?\b", re.IGNORECASE)))
N = re.compile(rf"\b(?:top|show(?:\s+me)?|list|give(?:\s+me)?|first|see|display)\s+(?:the\s+)?(?:top\s+)?{NUMBER}\b"
               rf"(?![,.]\d)|(?<!of\s)(?<!of\sthe\s)(?<!of\sthese\s)(?<!of\sall\s)(?<![\d,.])\b{NUMBER}\s+(?:\w+\s+)?"
               r"(?:examples|texts|tickets|messages|suspects|items|reviews|docs|documents|outliers|candidates|ones|rows|"
               r"samples)\b", re.IGNORECASE)
REST = re.compile(r"\b(?:the\s+rest|(?:every|all)\s*(?:thing|one)?\s+else|all\s+(?:the\s+)?others?|all\s+other\s+\w+|"
                  r"the\s+others|everything\s+else|remaining\s+\w+)\b", re.IGNORECASE)
LABEL_WORDS = r"(?:label(?:led|ed)?|class|category|rating|stars?|score|grade)"
PARTS = (("zero_shot", re.compile(r"zero[- ]?shot|\bthe\s+model(?:'s)?\s+(?:own|itself|think|say|read)|"
                                  r"\bmodel\s+(?:itself|thinks?|reads?)|\bown\s+reading|\bwithout\s+training|"
                                  r"\bprompt(?:ing|ed)?\s+(?:the\s+model|it)\b|\bagree\w*\s+with\s+the\s+label",
                                  re.IGNORECASE)),
         ("decodable", re.compile(r"decod\w+|\blinear\w*\b|separab\w+|\bprob(?:e|ing|es)\b|\bhidden\s+states?\b|"
                                  r"\bwhich\s+layer|\bwhat\s+layer|\blayers?\b|\brepresent\w*", re.IGNORECASE)),
         ("mislabels", re.compile(r"mis-?label\w*|wrong(?:ly)?\s+label\w*|label(?:l?ing)?\s+(?:errors?|noise|"
                                  r"mistakes?|issues?)|noisy\s+labels?|annotation\s+(?:errors?|mistakes?)|"
                                  r"\bsuspect\w*|\bflag\w*|incorrect\w*\s+label\w*|bad\s+labels?|confident\s+learning|"
                                  r"cleanlab|look\s+wrong|relabel", re.IGNORECASE)))


def _number(text: str | None) -> int | None:
    if text is None:
        return None
    if text.isdigit():
        return int(text)
    word = number_word(text.lower())
    return int(word) if word is not None else None


def _first(pattern: re.Pattern[str], turn: str) -> int | None:
    m = pattern.search(turn)
    return None if m is None else _number(next((g for g in m.groups() if g), None))


def value_mentions(turn: str, data: Any) -> list[tuple[int, str]]:
    """(position, group) for each label value, value of another categorical column, or cluster the turn names,
    in order: a label as itself, another column's value as a condition, a cluster as "cluster N"."""
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for m in CLUSTER.finditer(turn):
        found.append((m.start(), f"cluster {m.group(1)}"))
        taken.append(m.span())
    for name, column in data.schema.columns.items():
        if name == data.text or column.kind not in ("categorical", "boolean"):
            continue
        for value in column.categories:
            words = re.escape(value).replace("_", "[_ ]").replace(r"\ ", "[_ ]")
            coded = value.isdigit() or len(value) <= 2  # "5" or "ok": only next to the column's or a label's name
            near = rf"(?:{re.escape(name)}|{LABEL_WORDS})\s*(?:==?|is|of|:)?\s*" if coded else ""
            after = rf"\s*(?:{re.escape(name)}|{LABEL_WORDS})" if coded else ""
            pattern = rf"\b{near}{words}(?:e?s)?\b" if not coded else rf"\b(?:{near}{words}|{words}{after})\b"
            for m in re.finditer(pattern, turn, re.IGNORECASE):
                if any(a <= m.start() < b for a, b in taken):
                    continue
                taken.append(m.span())
                found.append((m.start(), value if name == data.label else f"{name} == {value!r}"))
    return sorted(found)


def fill(tool: str, turn: str, session: Session, names: list[str]) -> dict[str, Any]:
    """Every argument of `tool` (None where the turn does not name it)."""
    data = session.texts
    args: dict[str, Any] = {n: None for n in names}
    groups = [g for _, g in value_mentions(turn, data)]
    if tool == "topics":
        args["k"] = _first(K, turn)
        args["filter"] = _as_filter(groups[0], data) if groups else None
    elif tool == "surprise":
        blank = CLUSTER.sub(" ", turn)
        m = EXAMPLE.search(blank)
        args["example"] = int(next(g for g in m.groups() if g)) if m else None
        args["by"] = next((value for value, pattern in BY if pattern.search(turn)), None)
        args["filter"] = _as_filter(groups[0], data) if groups else None
        args["n"] = _first(N, turn)
    elif tool == "label_check":
        args["part"] = next((value for value, pattern in PARTS if pattern.search(turn)), None)
        args["n"] = _first(N, turn)
    elif tool == "contrast_groups":
        args["group_a"] = groups[0] if groups else None
        args["group_b"] = groups[1] if len(groups) > 1 else "the rest" if groups and REST.search(turn) else None
    return args


def _as_filter(group: str, data: Any) -> str:
    """A label value as the condition on the label column (a filter); conditions and clusters as they are."""
    return f"{data.label} == {group!r}" if data.label and group in data.classes else group
