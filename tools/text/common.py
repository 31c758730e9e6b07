"""What every text-dataset tool shares: the base class, the evidence clause (the texts used, the model that
read them), quoting examples by id, and the flags that go into the uncertainty."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from talkscope.tools.base import Arg, Citable, Finding, Tool, ToolContext, Uncertainty, words_only
from talkscope.tools.engine.text.state import Subset

FILTER = Arg("string", "which texts: a label (\"refund\"), a cluster (\"cluster 2\") or a condition on the other "
                       "columns (\"product == 'router'\"); empty: all", nullable=True)
QUOTE_CHARS = 160
SMALL = 30


class TextTool(Tool):
    """A tool that answers about the loaded text dataset (`--data FILE --text COLUMN`)."""

    domain: ClassVar[str] = "texts"
    route_data: ClassVar[str | dict[str, Any] | None] = None


@dataclass(kw_only=True)
class TextFinding(Finding):
    texts: str = words_only("")  # "label == 'refund' (380 of 2280 texts)"
    reader: str = words_only("")  # what read them: "gemma-3-270m" / "all-MiniLM-L6-v2"
    flags: list[str] = words_only(None)  # what limits this answer's reliability (counted in the uncertainty)
    notes: list[str] = words_only(None)  # what loading changed (texts left out or cut): said, not counted
    quoted: list[tuple[int, str]] = words_only(None)  # (example id, a short quote) to cite

    def evidence(self) -> str:
        return "; ".join(x for x in (self.texts, self.reader and f"read by {self.reader}") if x)

    def sentences(self, ref: str, cites: Sequence[str] = ()) -> str:
        words = self.summary().rstrip()
        words += "" if words.endswith((".", "?", "!")) else "."
        tail = f" Evidence: {self.evidence()} [{ref}]." if self.evidence() else f" [{ref}]"
        quoted = f" Examples quoted: {', '.join(cites)}." if cites else ""
        said = (self.flags or []) + (self.notes or [])
        notes = f" Note: {'; '.join(said)}." if said else ""
        return f"{words}{tail}{quoted}{notes}"

    def citable(self) -> list[Citable]:
        return [Citable(f"example {i}", i, text, 1.0) for i, text in (self.quoted or [])]

    def base_uncertainty(self, score: float, basis: str) -> Uncertainty:
        flags = self.flags or []
        return Uncertainty.from_score(score + 0.25 * len(flags), "; ".join([basis, *flags]))


def quote(text: str, n: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def quotes(ctx: ToolContext, positions: Sequence[int]) -> list[tuple[int, str]]:
    data = ctx.texts.data
    texts, ids = data.texts, data.ids
    return [(ids[p], quote(texts[p])) for p in positions]


def subset_flags(subset: Subset) -> list[str]:
    return [f"only {subset.n} texts (under {SMALL})"] if subset.n < SMALL else []


