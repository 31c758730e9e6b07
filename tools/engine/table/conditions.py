"""The condition language of filters, and its evaluation on a table.

A condition is `column OP value` (OP one of > >= < <= == !=), joined by `and` / `or` with parentheses; strings
in single quotes, a column whose name has spaces in backticks; `id` is the pseudo-column of row ids and
`prediction` that of the model's predictions. `parse` reads it (and pandas-style `=` or `&`/`|`); `Cond.text()`
writes it back in one canonical form, and `Cond.mask` selects rows. A condition is never handed to
`DataFrame.query` or `eval`: a filter typed in a shared Slack channel must not run code.

Plain-English conditions ("penguins heavier than 5 kg on Biscoe") are read into this language by
`talkscope.tools.engine.table.reading`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.table.frame import Schema

if TYPE_CHECKING:
    import pandas as pd

OPS = (">=", "<=", "==", "!=", ">", "<")
PSEUDO = ("id", "prediction")
TOKEN = re.compile(r"\s*(?:(?P<name>`[^`]+`)|(?P<str>'[^']*'|\"[^\"]*\")|(?P<num>-?\d+(?:\.\d+)?(?:e-?\d+)?)|"
                   r"(?P<op>>=|<=|==|!=|=|>|<)|(?P<punct>[()\[\],&|])|(?P<word>[A-Za-z_][\w.]*))")


@dataclass(frozen=True)
class Atom:
    column: str
    op: str
    value: float | str

    def text(self) -> str:
        name = f"`{self.column}`" if re.search(r"\W", self.column) else self.column
        value = repr(self.value) if isinstance(self.value, str) else _num(self.value)
        return f"{name} {self.op} {value}"


@dataclass(frozen=True)
class Cond:
    """`and` / `or` of atoms and conditions."""

    op: str  # "and" | "or"
    parts: tuple[Atom | Cond, ...]

    def text(self, top: bool = True) -> str:
        inner = f" {self.op} ".join(p.text() if isinstance(p, Atom) else p.text(top=False) for p in self.parts)
        return inner if top or len(self.parts) == 1 else f"({inner})"

    def atoms(self) -> list[Atom]:
        return [a for p in self.parts for a in ([p] if isinstance(p, Atom) else p.atoms())]

    def columns(self) -> set[str]:
        return {a.column for a in self.atoms()}

    def mask(self, frame: pd.DataFrame, predictions: pd.Series | None = None) -> pd.Series:
        masks = [_atom_mask(p, frame, predictions) if isinstance(p, Atom) else p.mask(frame, predictions)
                 for p in self.parts]
        out = masks[0]
        for m in masks[1:]:
            out = (out & m) if self.op == "and" else (out | m)
        return out


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def conjoin(*conds: Cond | None) -> Cond | None:
    """Conditions AND-ed (None: all rows)."""
    parts: list[Atom | Cond] = []
    for c in conds:
        if c is None:
            continue
        parts += list(c.parts) if c.op == "and" or len(c.parts) == 1 else [c]
    return Cond("and", tuple(dict.fromkeys(parts))) if parts else None


def _atom_mask(atom: Atom, frame: pd.DataFrame, predictions: pd.Series | None) -> pd.Series:
    import pandas as pd

    if atom.column == "id":
        values = pd.Series(frame.index, index=frame.index)
    elif atom.column == "prediction":
        if predictions is None:
            raise TalkscopeError("this filter uses the model's predictions, which are not available here")
        values = predictions
    else:
        values = frame[atom.column]
    if isinstance(atom.value, str):
        values = values.astype("string")
        # a missing value matches only `!=` (it is not 'male'); a category compares as text
        return (values == atom.value).fillna(False) if atom.op == "==" else (values != atom.value).fillna(True)
    v = float(atom.value)
    numeric = pd.to_numeric(values, errors="coerce")
    result = {">": numeric > v, ">=": numeric >= v, "<": numeric < v, "<=": numeric <= v, "==": numeric == v,
              "!=": numeric != v}[atom.op]
    return result.fillna(atom.op == "!=").astype(bool)


class _Parser:
    def __init__(self, text: str, schema: Schema) -> None:
        self.schema = schema
        self.tokens = self._tokens(_backtick(text, schema))
        self.i = 0

    @staticmethod
    def _tokens(text: str) -> list[tuple[str, str]]:
        out, pos = [], 0
        while pos < len(text):
            if not text[pos:].strip():
                break
            m = TOKEN.match(text, pos)
            if m is None:
                raise ValueError(f"unexpected {text[pos:].strip()[:20]!r}")
            kind = m.lastgroup or ""
            out.append((kind, m.group(kind)))
            pos = m.end()
        return out

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ValueError("the condition ends too early")
        self.i += 1
        return token

    def parse(self) -> Cond:
        cond = self.expr()
        if self.peek() is not None:
            raise ValueError(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return cond

    def expr(self) -> Cond:
        parts = [self.term()]
        while (t := self.peek()) and (t[1].lower() == "or" or t[1] == "|"):
            self.take()
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else Cond("or", tuple(parts))

    def term(self) -> Cond:
        parts = [self.factor()]
        while (t := self.peek()) and (t[1].lower() == "and" or t[1] == "&"):
            self.take()
            parts.append(self.factor())
        return conjoin(*parts)  # type: ignore[return-value]

    def factor(self) -> Cond:
        if self.peek() == ("punct", "("):
            self.take()
            inner = self.expr()
            if self.take() != ("punct", ")"):
                raise ValueError("a '(' is not closed")
            return inner
        kind, name = self.take()
        if kind not in ("name", "word"):
            raise ValueError(f"expected a column name, found {name!r}")
        column = resolve_column(name.strip("`"), self.schema)
        kind, op = self.take()
        if op.lower() == "in":
            return self._in_list(column)
        if kind != "op":
            raise ValueError(f"expected one of {' '.join(OPS)} after {column}, found {op!r}")
        op = "==" if op == "=" else op
        kind, raw = self.take()
        return Cond("and", (make_atom(column, op, raw, kind, self.schema),))

    def _in_list(self, column: str) -> Cond:
        if self.take() != ("punct", "["):
            raise ValueError("write `column in ['a', 'b']`")
        atoms: list[Atom | Cond] = []
        while True:
            kind, raw = self.take()
            atoms.append(make_atom(column, "==", raw, kind, self.schema))
            sep = self.take()
            if sep == ("punct", "]"):
                return Cond("or", tuple(atoms))
            if sep != ("punct", ","):
                raise ValueError("separate the values of a list with commas")


def _backtick(text: str, schema: Schema) -> str:
    """Column names with spaces, written bare ("mean radius > 15"), put in backticks (outside quotes)."""
    spaced = sorted((c for c in schema.columns if re.search(r"\s", c)), key=len, reverse=True)
    if not spaced:
        return text
    pattern = re.compile(r"('[^']*'|\"[^\"]*\"|`[^`]*`)|(?<![\w`])(" + "|".join(map(re.escape, spaced)) + r")(?![\w`])",
                         re.IGNORECASE)
    return pattern.sub(lambda m: m.group(1) or f"`{m.group(2)}`", text)


def resolve_column(name: str, schema: Schema) -> str:
    if name in schema.columns or name in PSEUDO:
        return name
    lowered = {c.lower(): c for c in schema.columns} | {p: p for p in PSEUDO}
    key = re.sub(r"\s+", " ", name.strip().lower())
    if key in lowered:
        return lowered[key]
    if key in ("predicted", "predictions", "pred"):
        return "prediction"
    raise TalkscopeError(f"there is no column '{name}'; the columns are: {', '.join(schema.columns)}")


def make_atom(column: str, op: str, raw: str, kind: str, schema: Schema) -> Atom:
    """An atom with its value checked against the column (a category it has, a number for a number)."""
    text = raw[1:-1] if kind == "str" else raw
    if column == "id":
        return Atom(column, op, _number(text, column))
    col_kind = "categorical" if column == "prediction" and schema.task == "classification" else (
        "numeric" if column == "prediction" else schema.columns[column].kind)
    if col_kind == "numeric":
        return Atom(column, op, _number(text, column))
    categories = schema.classes if column == "prediction" else schema.columns[column].categories
    match = next((c for c in categories if c.lower() == text.lower()), None)
    if match is None and text.replace(".0", "") in categories:
        match = text.replace(".0", "")
    if match is None:
        raise TalkscopeError(f"'{text}' is not a value of {column}; its values are: {', '.join(categories)}")
    if op not in ("==", "!="):
        raise TalkscopeError(f"{column} is a category: compare it with == or !=, not {op}")
    return Atom(column, op, match)


def _number(text: str, column: str) -> float:
    try:
        value = float(text)
    except ValueError as err:
        raise TalkscopeError(f"{column} is a number: compare it with a number, not {text!r}") from err
    if math.isnan(value) or math.isinf(value):
        raise TalkscopeError(f"{column}: compare with a finite number, not {text}")
    return int(value) if value.is_integer() else value


def parse(text: str, schema: Schema) -> Cond:
    """A condition in the filter language; a user error that says how to write one when it is not."""
    try:
        return _Parser(text, schema).parse()
    except ValueError as err:
        raise TalkscopeError(f"I could not read the filter {text!r} ({err}); write it like "
                             f"{example(schema)}") from err


def example(schema: Schema) -> str:
    numeric = next((c for c in schema.features if schema.columns[c].kind == "numeric"), None)
    cat = next((c for c in schema.features if schema.columns[c].kind == "categorical"), None)
    parts = [f"{Atom(numeric, '>', schema.columns[numeric].low or 0).text()}"] if numeric else []
    if cat:
        parts.append(Atom(cat, "==", schema.columns[cat].categories[0]).text())
    return " and ".join(parts) or "id < 10"
