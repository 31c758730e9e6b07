"""What every table tool shares: the base class, the evidence clause every answer carries (the rows used and
the model with its held-out score), and the flags that go into the uncertainty (a small subset, values outside
the data's range)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from talkscope.tools.base import Arg, Citable, Finding, Tool, ToolContext, Uncertainty, words_only
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.table.conditions import resolve_column
from talkscope.tools.engine.table.state import SMALL, Selection

FILTER = Arg("string", "which rows: a condition such as \"age > 50 and sex == 'female'\" or plain words "
                       "(\"people older than 50\"); empty: all rows", nullable=True)
ROW = Arg("integer", "a row id (rows are numbered from 0 in file order)", nullable=True)
MAX_ROWS_JSON = 1000  # predictions listed in the JSON; more are counted, not listed


class TableTool(Tool):
    """A tool that answers about the loaded table (`--data`); it never loads the language model."""

    domain: ClassVar[str] = "table"
    needs_model: ClassVar[bool] = False
    route_data: ClassVar[str | dict[str, Any] | None] = None


@dataclass(kw_only=True)
class TableFinding(Finding):
    """Fields every table finding carries: the rows it is about and (when it used one) the model."""

    rows: str = words_only("")  # "filter age > 50 (123 of 442 rows)"
    model: str = words_only("")  # the model's headline, when the answer used it
    flags: list[str] = words_only(None)
    quoted: list[tuple[int, str]] = words_only(None)  # (row id, the row as text) to cite

    def evidence(self) -> str:
        return "; ".join(x for x in (self.rows, self.model and f"model: {self.model}") if x)

    def sentences(self, ref: str, cites: Sequence[str] = ()) -> str:
        words = self.words().rstrip()
        words += "" if words.endswith((".", "?", "!")) else "."
        tail = f" Evidence: {self.evidence()} [{ref}]." if self.evidence() else f" [{ref}]"
        rows = f" Rows quoted: {', '.join(cites)}." if cites else ""
        notes = f" Note: {'; '.join(self.flags)}." if self.flags else ""
        return f"{words}{tail}{rows}{notes}"

    def words(self) -> str:
        return self.summary()

    def citable(self) -> list[Citable]:
        return [Citable(f"row {i}", i, text, 1.0) for i, text in (self.quoted or [])]

    def base_uncertainty(self, score: float, basis: str) -> Uncertainty:
        flags = self.flags or []
        return Uncertainty.from_score(score + 0.25 * len(flags), "; ".join([basis, *flags]))


def selection_flags(sel: Selection) -> list[str]:
    if sel.n == 0:
        return ["the filter selects no rows"]
    return [f"only {sel.n} rows (under {SMALL})"] if sel.small else []


def row_text(ctx: ToolContext, row: int, columns: list[str] | None = None) -> str:
    frame = ctx.table.table.frame
    values = frame.iloc[row]
    cols = columns or list(frame.columns)
    return ", ".join(f"{c}={_fmt(values[c])}" for c in cols)


def _fmt(v: Any) -> str:
    import pandas as pd

    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return "missing"
    return f"{v:g}" if isinstance(v, float) else str(v)


def headline(ctx: ToolContext) -> str:
    return ctx.table.fitted(ctx.progress).headline()


def column_named(ctx: ToolContext, feature: str | None) -> str:
    """The column a tool argument names (exactly, case aside, or by a word of the data dictionary); None: the
    target."""
    schema = ctx.table.table.schema
    if feature is None:
        return schema.target
    from talkscope.tools.engine.table.reading import column_mentions

    try:
        name = resolve_column(feature, schema)
    except TalkscopeError:
        found = column_mentions(feature, schema)
        if len(found) != 1:
            raise
        name = found[0].column
    if name in ("id", "prediction"):
        raise TalkscopeError(f"'{feature}' is not a column of the data; the columns are: {', '.join(schema.columns)}")
    return name
