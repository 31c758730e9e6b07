"""Edits of feature values: the `change` of a what-if ("bmi = 25, age + 10") and the `instance` of a
prediction for a made-up row ("age = 45, sex = '2'"), in canonical text or plain words ("if her BMI were 25",
"ten years older", "a 45-year-old with a BMI of 30")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.table.conditions import make_atom, resolve_column
from talkscope.tools.engine.table.frame import Schema
from talkscope.tools.engine.table.reading import column_mentions, value_mentions

CANONICAL = re.compile(r"^\s*(?P<col>`[^`]+`|[^=+\-*]+?)\s*(?P<op>=|\+|-)\s*(?P<val>'[^']*'|\"[^\"]*\"|[^,]+?)\s*$")
WORD_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
            "ten": 10, "twenty": 20, "fifty": 50, "hundred": 100}
UP = r"(?:increase[sd]?|rais(?:e|ed|es|ing)|add(?:ed)?|bump(?:ed)?|boost(?:ed)?|higher|more|up|older|heavier|longer|" \
     r"larger|bigger|greater|deeper|wider)"
DOWN = r"(?:decrease[sd]?|lower(?:ed)?|reduc(?:e|ed|es|ing)|drop(?:ped)?|cut|less|down|younger|lighter|shorter|fewer|" \
       r"smaller|narrower|shallower)"


@dataclass(frozen=True)
class Edit:
    column: str
    op: str  # "=" set, "+" raise by, "-" lower by
    value: float | str

    def text(self) -> str:
        name = f"`{self.column}`" if re.search(r"\W", self.column) else self.column
        v = repr(self.value) if isinstance(self.value, str) else (
            str(int(self.value)) if float(self.value).is_integer() else f"{self.value:g}")
        return f"{name} {self.op} {v}"


def text(edits: list[Edit]) -> str:
    return ", ".join(e.text() for e in edits)


def parse(raw: str, schema: Schema, allow_shift: bool = True) -> list[Edit]:
    """Canonical edits, else plain words; a user error when neither reads."""
    edits = _canonical(raw, schema, allow_shift)
    if edits is None:
        edits = read(raw, schema, allow_shift)
    if not edits:
        raise TalkscopeError(f"I could not read which values to change in {raw!r}: write e.g. "
                             f"\"{schema.features[0]} = ...\"" + (" or \"age + 10\"" if allow_shift else ""))
    return edits


def _canonical(raw: str, schema: Schema, allow_shift: bool) -> list[Edit] | None:
    out = []
    for part in _split(raw):
        m = CANONICAL.match(part)
        if not m:
            return None
        try:
            col = resolve_column(m.group("col").strip().strip("`"), schema)
        except TalkscopeError:
            return None
        out.append(_edit(col, m.group("op"), m.group("val").strip(), schema, allow_shift))
    return out


def _split(raw: str) -> list[str]:
    return [p for p in re.split(r",(?=(?:[^']*'[^']*')*[^']*$)|\band\b|;", raw) if p.strip()]


def _edit(col: str, op: str, value: str, schema: Schema, allow_shift: bool) -> Edit:
    if col in (schema.target, "id", "prediction"):
        raise TalkscopeError(f"{col} is not an input of the model: change one of {', '.join(schema.features)}")
    if col not in schema.features:
        raise TalkscopeError(f"the model does not read {col}: change one of {', '.join(schema.features)}")
    if op != "=" and not allow_shift:
        raise TalkscopeError(f"give a value for {col} ({col} = ...), not a change")
    if op != "=" and schema.columns[col].kind != "numeric":
        raise TalkscopeError(f"{col} is a category: set it ({col} = '...'), it cannot be raised or lowered")
    kind = "str" if value[:1] in "'\"" else "num" if re.fullmatch(r"-?\d+(?:\.\d+)?", value) else "str"
    if kind == "str" and value[:1] not in "'\"":
        value = f"'{value}'"
    atom = make_atom(col, "==", value, kind, schema)  # checks the category exists / the number is a number
    if op != "=" and isinstance(atom.value, str):
        raise TalkscopeError(f"{col} is a category: set it ({col} = '...'), it cannot be raised or lowered")
    return Edit(col, op, atom.value)


def read(raw: str, schema: Schema, allow_shift: bool = True) -> list[Edit]:
    """Edits in plain words: a column, then a value ("bmi were 25", "bmi to 25", "island Dream"), or a shift
    ("10 years older", "increase bmi by 3"); a category named alone ("on Dream") sets its column."""
    edits: dict[str, Edit] = {}
    cols = column_mentions(raw, schema)
    for m in cols:
        col = m.column
        if col not in schema.features or schema.columns[col].kind != "numeric":
            continue
        tail = raw[m.end:m.end + 40]
        head = raw[max(0, m.start - 40):m.start]
        shift = re.match(rf"\s*(?:(?:went|goes|go|gone|was|were|is|got|moved)\s+)?(?:(?P<pre>{UP}|{DOWN})\s+by\s+)?"
                         rf"(?:by\s+)?(?P<n>\d+(?:\.\d+)?)\s*(?:\w+\s+)?(?:(?P<dir>{UP}|{DOWN}))?", tail, re.IGNORECASE)
        if shift and shift.group("pre"):
            shift = re.match(rf"(?P<dir>{shift.group('pre')})\s+(?P<n>{shift.group('n')})", f"{shift.group('pre')} "
                             f"{shift.group('n')}", re.IGNORECASE)
        setting = re.match(r"\s*(?:were|was|is|are|of|to|at|=|became|becomes|changed to|set to|equal to|"
                           r"equals)?\s*(?:be\s+)?(?:(?:a|an)\s+)?(?:(?:value|level|score|reading|measurement)\s+"
                           r"(?:of\s+)?)?(?P<n>-?\d+(?:\.\d+)?)", tail, re.IGNORECASE)
        before = re.search(rf"(?P<dir>{UP}|{DOWN})\w*\s+(?:(?:the|her|his|its|their)\s+)?$", head, re.IGNORECASE)
        by = re.match(r"\s*by\s+(?P<n>\d+(?:\.\d+)?)", tail)
        shifted = re.search(rf"(?P<n>\d+(?:\.\d+)?|{'|'.join(WORD_NUM)})\s+(?:\w+\s+)?(?P<dir>{UP}|{DOWN})\s*$",
                            raw[max(0, m.start - 30):m.start + len(raw[m.start:m.end])], re.IGNORECASE)
        if before and by:
            edits[col] = Edit(col, "+" if re.match(UP, before.group("dir"), re.I) else "-", _n(by.group("n")))
        elif m.op and shifted:
            edits[col] = Edit(col, "+" if re.match(UP, shifted.group("dir"), re.I) else "-", _n(shifted.group("n")))
        elif setting and not (shift and shift.group("dir")):
            edits[col] = Edit(col, "=", _n(setting.group("n")))
        elif shift and shift.group("dir"):
            edits[col] = Edit(col, "+" if re.match(UP, shift.group("dir"), re.I) else "-", _n(shift.group("n")))
    for m in cols:  # a number before its column: "a 48 mm bill"
        before = re.search(r"(?P<n>\d+(?:\.\d+)?)\s*(?:mm|cm|g|kg|grams?)?\s+(?:\w+\s+)?$",
                           raw[max(0, m.start - 20):m.start])
        if m.column in schema.features and m.column not in edits and before and \
                schema.columns[m.column].kind == "numeric":
            edits[m.column] = Edit(m.column, "=", _n(before.group("n")))
    for u in re.finditer(r"(?P<n>\d+(?:\.\d+)?)\s*(?P<u>kg|g|grams?)\b", raw):  # "3700 g": the column in grams
        col = next((c for c, info in schema.columns.items() if info.unit == "g" and c in schema.features), None)
        if col and col not in edits:
            value = _n(u.group("n")) * (1000 if u.group("u") == "kg" else 1)
            edits[col] = Edit(col, "=", int(value) if float(value).is_integer() else value)
    years = re.search(r"\b(\d+)[- ](?:year|yr)s?[- ]old\b", raw, re.IGNORECASE)  # "a 45-year-old"
    age = next((c for c, info in schema.columns.items() if info.unit == "years" and c in schema.features), None)
    if years and age and age not in edits:
        edits[age] = Edit(age, "=", int(years.group(1)))
    for v in value_mentions(raw, schema, cols):
        if v.column in schema.features and v.column not in edits:
            edits[v.column] = Edit(v.column, "=", v.value or "")
    out = list(edits.values())
    if not allow_shift and any(e.op != "=" for e in out):
        return [e for e in out if e.op == "="]
    return out


def _n(s: str) -> float:
    v = float(WORD_NUM.get(s.lower(), s)) if not re.fullmatch(r"-?\d+(?:\.\d+)?", s) else float(s)
    return int(v) if v.is_integer() else v


def apply(frame: Any, edits: list[Edit]) -> Any:
    """A copy of the rows with the edits applied."""
    out = frame.copy()
    for e in edits:
        if e.op == "=":
            out[e.column] = e.value
        else:
            out[e.column] = out[e.column].astype(float) + (e.value if e.op == "+" else -float(e.value))
    return out
