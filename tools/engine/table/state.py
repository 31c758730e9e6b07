"""The table a conversation is about, with its model: loaded and fitted on first use, the fit cached on disk
by the table's digest (a cache file is our own, written by `fit_ebm`), predictions computed once."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.table import conditions, reading
from talkscope.tools.engine.table.fit import VERSION, Fitted, cross_fit, fit_ebm, load_user_model
from talkscope.tools.engine.table.frame import Table, load_table

SMALL = 30  # a subset this small is flagged in the uncertainty
NO_TABLE = "no table is loaded: start with --data FILE (CSV, Parquet, JSONL, or a demo: penguins, breast_cancer, " \
           "diabetes), or type /data FILE in the chat"


@dataclass(frozen=True)
class Selection:
    """The rows a filter selects, and how it reads."""

    condition: str | None  # canonical text; None: every row
    ids: list[int]
    total: int

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def small(self) -> bool:
        return self.n < SMALL

    def describe(self) -> str:
        if self.condition is None:
            return f"all {self.total} rows"
        return f"filter {self.condition} ({self.n} of {self.total} rows)"


@dataclass
class TableState:
    source: str
    target: str | None = None
    model_file: Path | None = None
    trust_model_file: bool = False
    cache_dir: Path | None = None
    _table: Table | None = None
    _fitted: Fitted | None = None
    _pred: np.ndarray | None = field(default=None, repr=False)

    @property
    def table(self) -> Table:
        if self._table is None:
            self._table = load_table(self.source, self.target)
        return self._table

    def fitted(self, progress: Any = None) -> Fitted:
        if self._fitted is None:
            if self.model_file is not None:
                self._fitted = load_user_model(self.model_file, self.trust_model_file, self.table)
            else:
                self._fitted = self._cached() or self._fit(progress)
        return self._fitted

    def _path(self) -> Path | None:
        return None if self.cache_dir is None else self.cache_dir / f"ebm-{self.table.digest}-v{VERSION}.joblib"

    def _cached(self) -> Fitted | None:
        path = self._path()
        if path is None or not path.is_file():
            return None
        import joblib

        try:
            fitted = joblib.load(path)  # our own cache file (see the module's docstring)
        except Exception:  # a torn or foreign file: fitted again
            return None
        return fitted if isinstance(fitted, Fitted) else None

    def _fit(self, progress: Any) -> Fitted:
        bar = progress(1, f"Fitting an EBM to {self.table.schema.name}") if progress else contextlib.nullcontext()
        with bar as advance:
            fitted = fit_ebm(self.table, advance)
        self._save(fitted)
        return fitted

    def _save(self, fitted: Fitted) -> None:
        path = self._path()
        if path is None:
            return
        import io

        import joblib

        from talkscope.tools.engine.cachefile import atomic_write_bytes

        buf = io.BytesIO()
        joblib.dump(fitted, buf)
        with contextlib.suppress(OSError):  # a read-only cache: fitted again next time
            atomic_write_bytes(path, buf.getvalue(), "the table model")

    def predictions(self) -> np.ndarray:
        if self._pred is None:
            self._pred = self.fitted().predict(self.table.X)
        return self._pred

    def cross_fitted(self, progress: Any = None) -> list[Any]:
        fitted = self.fitted(progress)
        if not fitted.is_ebm:  # talkscope cannot refit a user's model: its own predictions, flagged in the answer
            return self.predictions().tolist()
        if fitted.cross_fitted is None:
            bar = progress(5, "Cross-fitting (5 folds)") if progress else contextlib.nullcontext()
            with bar as advance:
                fitted.cross_fitted = cross_fit(self.table, advance)
            self._save(fitted)
        return fitted.cross_fitted

    def condition(self, text: str | None) -> conditions.Cond | None:
        """A filter argument read: the condition language first, then plain English."""
        if text is None or not text.strip() or text.strip().lower() in ("all", "everyone", "all rows", "none"):
            return None
        schema = self.table.schema
        try:
            return conditions.parse(text, schema)
        except TalkscopeError as strict:
            loose = reading.read(text, schema)
            if loose is None:
                written = re.search(r"[=<>!]", text)  # the condition language: its own error says what is wrong
                why = str(strict) if written or "there is no column" not in str(strict) else (
                    f"name a column and a value, e.g. {conditions.example(schema)}; the columns are: "
                    f"{', '.join(schema.columns)}")
                raise TalkscopeError(f"I could not read a condition in {text!r}: {why}") from None
            return loose

    def select(self, text: str | None) -> Selection:
        cond = self.condition(text)
        frame = self.table.frame
        if cond is None:
            return Selection(None, list(range(len(frame))), len(frame))
        import pandas as pd

        pred = pd.Series(self.predictions(), index=frame.index) if "prediction" in cond.columns() else None
        mask = cond.mask(frame, pred)
        return Selection(cond.text(), [int(i) for i in frame.index[mask.to_numpy()]], len(frame))

    def row(self, row: int) -> Any:
        n = len(self.table.frame)
        if not isinstance(row, int) or not 0 <= row < n:
            raise TalkscopeError(f"there is no row {row}: the rows are 0 to {n - 1}")
        return self.table.frame.iloc[row]


def overview(table: Table) -> list[str]:
    """A one-screen summary of a loaded table: size, columns by kind, target, missing values, notes."""
    schema = table.schema
    kinds: dict[str, list[str]] = {}
    for name, col in schema.columns.items():
        kinds.setdefault(col.kind, []).append(name)
    lines = [f"{schema.name}: {schema.rows} rows, {len(schema.columns)} columns; rows are numbered from 0"]
    lines += [f"  {kind} ({len(names)}): {', '.join(names[:12])}{' ...' if len(names) > 12 else ''}"
              for kind, names in kinds.items()]
    target = table.frame[schema.target]
    if schema.task == "classification":
        counts = target.astype(str).value_counts()
        dist = ", ".join(f"{k} {v} ({v / len(target):.0%})" for k, v in counts.items())
        lines.append(f"  target: {schema.target} (classification): {dist}")
    else:
        lines.append(f"  target: {schema.target} (regression): mean {target.mean():.4g}, range {target.min():.4g} to "
                     f"{target.max():.4g}")
    lines += [f"  note: {n}" for n in table.notes]
    return lines
