"""A loaded table: the data (CSV, Parquet, JSONL, or a shipped demo), each column's inferred kind, the target,
the task, and the schema the router reads filters with.

Row ids are the rows' positions in the file, from 0 (the pseudo-column `id`); a table's digest hashes its
content and target, and names the fitted model in the cache.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from talkscope.tools.engine.errors import TalkscopeError

if TYPE_CHECKING:
    import pandas as pd

Kind = Literal["numeric", "categorical", "boolean", "date", "text"]
MAX_CATEGORIES = 30  # a string column with more distinct values (and long ones) is free text
TARGET_NAMES = ("target", "label", "class", "outcome", "y")
DEMOS = ("penguins", "breast_cancer", "diabetes")
INSTALL = "pip install 'talkscope[tables]'"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    missing: int
    categories: tuple[str, ...] = ()  # categorical and boolean columns, as text
    low: float | None = None  # numeric range
    high: float | None = None
    aliases: tuple[str, ...] = ()  # words users say for it (from a data dictionary)
    levels: tuple[float, ...] = ()  # a number with few distinct values (a year): its values
    unit: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "missing": self.missing}
        if self.categories:
            out["categories"] = list(self.categories)
        if self.low is not None:
            out["range"] = [self.low, self.high]
        return out


@dataclass(frozen=True)
class Schema:
    """What the router and the condition reader know of a table: columns, target, task (no data)."""

    name: str
    columns: dict[str, Column]
    target: str
    task: Literal["classification", "regression"]
    rows: int
    classes: tuple[str, ...] = ()
    noun: str = "row"  # what a row is ("penguin", "patient"), from the data dictionary

    @property
    def features(self) -> list[str]:
        return [n for n, c in self.columns.items() if n != self.target and c.kind not in ("date", "text")]


@dataclass
class Table:
    frame: pd.DataFrame  # every column as read (ids are the index: 0..n-1)
    schema: Schema
    source: str
    digest: str
    notes: list[str] = field(default_factory=list)

    @property
    def target(self) -> str:
        return self.schema.target

    @property
    def features(self) -> list[str]:
        return self.schema.features

    @property
    def X(self) -> pd.DataFrame:  # noqa: N802 (the usual name)
        return self.frame[self.features]

    @property
    def y(self) -> pd.Series:
        return self.frame[self.target]


def require_pandas() -> Any:
    try:
        import pandas
    except ImportError as err:
        raise TalkscopeError(f"tables need pandas and interpret: {INSTALL}") from err
    return pandas


def read_frame(source: str) -> tuple[pd.DataFrame, str, dict[str, Any]]:
    """(frame, display name, data dictionary) of a demo name or a CSV / Parquet / JSONL file."""
    pd = require_pandas()
    if source in DEMOS:
        return _demo(source)
    path = Path(source).expanduser()
    if not path.is_file():
        raise TalkscopeError(f"--data {source}: no such file: give a CSV, Parquet or JSONL file, or a demo "
                             f"({', '.join(DEMOS)})")
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise TalkscopeError(f"{path.name} is empty: a table needs a header row, at least two columns and one row")
    try:
        if suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        elif suffix in (".jsonl", ".ndjson", ".json"):
            frame = pd.read_json(path, lines=suffix != ".json")
        else:
            frame = pd.read_csv(path, sep=_delimiter(path)) if suffix in (".csv", ".tsv", ".txt") else None
    except ImportError as err:
        raise TalkscopeError(f"{path.name}: reading Parquet needs pyarrow: {INSTALL}") from err
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, OSError, csv.Error) as err:
        reason = "it is empty" if isinstance(err, pd.errors.EmptyDataError) else str(err).splitlines()[0][:120]
        raise TalkscopeError(f"{path.name} could not be read as a table ({reason}): give a CSV with a header "
                             "row, a Parquet file, or JSON Lines with one object per row") from err
    if frame is None:
        raise TalkscopeError(f"{path.name}: unknown table format {suffix or '(no suffix)'}: give .csv, .tsv, "
                             ".parquet or .jsonl")
    if frame.empty or len(frame.columns) < 2:
        raise TalkscopeError(f"{path.name} has {len(frame)} rows and {len(frame.columns)} columns: a table needs "
                             "a header row, at least two columns and one row")
    return frame.reset_index(drop=True), path.name, {}


def _delimiter(path: Path) -> str:
    """The file's delimiter among , tab ; | (never a space: prose would read as a table of words)."""
    with path.open(encoding="utf-8", errors="replace") as f:
        head = f.read(65536)
    try:
        return csv.Sniffer().sniff(head, delimiters=",\t;|").delimiter
    except csv.Error:
        return "\t" if path.suffix.lower() == ".tsv" else ","


def _demo(name: str) -> tuple[pd.DataFrame, str, dict[str, Any]]:
    """A shipped demo set: penguins (palmerpenguins, CC0), breast cancer and diabetes (scikit-learn, BSD)."""
    pd = require_pandas()
    meta = json.loads(files("talkscope.tools").joinpath(f"data/tables/{name}.json").read_text(encoding="utf-8"))
    if name == "penguins":
        try:
            from palmerpenguins import load_penguins
        except ImportError as err:
            raise TalkscopeError(f"the penguins demo needs the palmerpenguins package: {INSTALL}") from err
        frame = load_penguins()
    elif name == "breast_cancer":
        from sklearn.datasets import load_breast_cancer

        raw = load_breast_cancer(as_frame=True)
        frame = raw.frame.rename(columns={"target": "diagnosis"})
        frame["diagnosis"] = frame["diagnosis"].map(dict(enumerate(raw.target_names))).astype(str)
    else:
        from sklearn.datasets import load_diabetes

        raw = load_diabetes(as_frame=True, scaled=False)
        frame = raw.frame.rename(columns={**meta["rename"], "target": "progression"})
        frame["sex"] = frame["sex"].astype(int).astype(str)
    return pd.DataFrame(frame).reset_index(drop=True), name, meta


def infer_kind(series: pd.Series) -> Kind:
    pd = require_pandas()
    values = series.dropna()
    if pd.api.types.is_bool_dtype(series) or (values.nunique() <= 2 and set(values.unique()) <= {0, 1}
                                              and len(values)):
        return "boolean"
    if pd.api.types.is_numeric_dtype(series):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    text = values.astype(str)
    if len(text) and text.str.match(r"^\d{4}-\d{2}-\d{2}").mean() > 0.9:
        return "date"
    if values.nunique() <= MAX_CATEGORIES or text.str.len().mean() < 20 and values.nunique() <= 0.05 * len(values):
        return "categorical"
    return "text"


def _column(name: str, series: pd.Series, kind: Kind, meta: dict[str, Any]) -> Column:
    info = meta.get("columns", {}).get(name, {})
    categories: tuple[str, ...] = ()
    low = high = None
    if kind in ("categorical", "boolean"):
        categories = tuple(sorted(map(str, series.dropna().unique())))
    levels: tuple[float, ...] = ()
    if kind == "numeric" and series.notna().any():
        low, high = float(series.min()), float(series.max())
        distinct = series.dropna().unique()
        if len(distinct) <= 12:
            levels = tuple(sorted(float(v) for v in distinct))
    return Column(name, kind, int(series.isna().sum()), categories, low, high, tuple(info.get("aliases", ())),
                  levels=levels, unit=info.get("unit"))


def pick_target(frame: pd.DataFrame, target: str | None, meta: dict[str, Any]) -> str:
    columns = list(frame.columns)
    if target is None:
        target = meta.get("target")
    if target is None:
        found = [c for c in columns if str(c).strip().lower() in TARGET_NAMES]
        if len(found) != 1:
            raise TalkscopeError(f"which column should the model predict? Give --target COLUMN; the columns are: "
                                 f"{', '.join(map(str, columns))}")
        target = found[0]
    if target not in columns:
        close = [c for c in columns if str(c).lower() == str(target).lower()]
        if close:
            return close[0]
        raise TalkscopeError(f"there is no column '{target}'; the columns are: {', '.join(map(str, columns))}")
    return target


def load_table(source: str, target: str | None = None) -> Table:
    frame, name, meta = read_frame(source)
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.columns.duplicated().any():
        repeated = ", ".join(frame.columns[frame.columns.duplicated()])
        raise TalkscopeError(f"{name} has repeated column names ({repeated}): give every column its own name")
    target = pick_target(frame, target, meta)
    notes: list[str] = []
    dropped = int(frame[target].isna().sum())
    if dropped:
        notes.append(f"{dropped} rows without a {target} value are left out")
        frame = frame[frame[target].notna()].reset_index(drop=True)
    kinds = {c: infer_kind(frame[c]) for c in frame.columns}
    excluded = [c for c, k in kinds.items() if k in ("text", "date") and c != target]
    if excluded:
        notes.append(f"left out of the model (free text or dates): {', '.join(excluded)}")
    task = _task(frame[target], kinds[target], target)
    if task == "classification":
        frame[target] = frame[target].astype(str)
        kinds[target] = "categorical"
    columns = {c: _column(c, frame[c], kinds[c], meta) for c in frame.columns}
    classes = columns[target].categories if task == "classification" else ()
    if task == "classification" and len(classes) < 2:
        raise TalkscopeError(f"the target '{target}' has a single value ({classes[0] if classes else 'none'}): "
                             "there is nothing to predict; choose another --target")
    if not [c for c in columns if c != target and kinds[c] not in ("text", "date")]:
        raise TalkscopeError(f"{name} has no column the model could use besides '{target}' (all are free text "
                             "or dates)")
    missing = {c: n for c, col in columns.items() if (n := col.missing)}
    if missing:
        notes.append("missing values: " + ", ".join(f"{c} {n}" for c, n in missing.items()) +
                     " (the model treats a missing value as its own case)")
    digest = hashlib.sha256(frame.to_csv(index=False).encode() + target.encode()).hexdigest()[:16]
    schema = Schema(name, columns, target, task, len(frame), classes, meta.get("noun", "row"))
    return Table(frame, schema, source if source in DEMOS else str(Path(source).expanduser()), digest, notes)


def _task(target: pd.Series, kind: Kind, name: str) -> Literal["classification", "regression"]:
    if kind in ("categorical", "boolean"):
        return "classification"
    if kind == "numeric":
        values = target.dropna()
        integral = bool((values == values.round()).all())
        return "classification" if integral and values.nunique() <= 10 else "regression"
    raise TalkscopeError(f"the target '{name}' is {kind}: give a numeric or categorical column as --target")


def words(name: str) -> str:
    """How a column name reads: 'bill_length_mm' -> 'bill length', 'mean radius' -> 'mean radius'."""
    text = re.sub(r"_(mm|cm|m|g|kg|s|ms|pct|usd)$", "", name)
    return re.sub(r"[_\s]+", " ", text).strip().lower()
