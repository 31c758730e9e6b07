"""A loaded text dataset: the texts (a column of a CSV / JSONL / Parquet file, a folder of .txt files, or the
shipped demo `tickets`), an optional label column, the other columns (filters read them with the table's
condition language), and what was cleaned on the way in (empty, binary or very long texts), said in `notes`.

Example ids are the rows' positions in the file, from 0; a dropped row keeps its number free, so an id always
points at the same row of the user's file.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.table.frame import Column, Schema, _column, infer_kind, read_frame

if TYPE_CHECKING:
    import pandas as pd

DEMOS = ("tickets",)
TEXT_NAMES = ("text", "texts", "document", "content", "body", "message", "review", "sentence", "comment", "prompt")
LABEL_NAMES = ("label", "labels", "class", "category", "target", "sentiment", "topic", "y")
MAX_CHARS = 20_000  # longer texts are cut (the model reads the first MAX_TOKENS tokens anyway)
MAX_LABELS = 50
MIN_TEXT_CHARS = 25  # a free-text column averaging fewer characters reads as categories, not texts


@dataclass
class TextData:
    frame: pd.DataFrame  # every column as read, indexed by example id (rows dropped on the way in are absent)
    text: str  # the text column
    label: str | None  # the label column, if any
    name: str
    source: str
    digest: str
    schema: Schema  # the columns the condition language reads (the text column is free text)
    notes: list[str] = field(default_factory=list)
    rows_read: int = 0  # rows in the file, before any was left out
    texts: list[str] = field(init=False, repr=False)
    ids: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.texts = self.frame[self.text].tolist()  # read once: tools index them per example
        self.ids = [int(i) for i in self.frame.index]

    @property
    def labels(self) -> list[str] | None:
        return None if self.label is None else self.frame[self.label].astype(str).tolist()

    @property
    def classes(self) -> list[str]:
        return sorted(set(self.labels or []))

    def position(self, example: int) -> int:
        """The position in `texts` of an example id; a user error naming the valid ids when there is none."""
        try:
            return int(self.frame.index.get_loc(example))
        except KeyError:
            if 0 <= example < self.rows_read:
                raise TalkscopeError(f"example {example} was left out on loading (empty, binary or unlabelled; "
                                     "see the notes of the summary)") from None
            raise TalkscopeError(f"there is no example {example}: the ids run from 0 to {self.rows_read - 1}") from None


def is_text_source(source: str) -> bool:
    """Whether `--data SOURCE` names a text dataset without being told (`--text`): the text demo, a folder of
    .txt files, or a file whose columns are one free-text column and a few others (see `text_column`)."""
    if source in DEMOS:
        return True
    path = Path(source).expanduser()
    if path.is_dir():
        return True
    if not path.is_file():
        return False
    try:
        frame, _, _ = read_frame(source)
    except TalkscopeError:
        return False
    return text_column(frame, None, strict=False) is not None


def text_column(frame: pd.DataFrame, text: str | None, strict: bool = True) -> str | None:
    """The column holding the texts: the one named, else the free-text column (the longest on average) of a
    frame with at most four other columns; None (or, when `strict`, an error listing the columns)."""
    columns = [str(c) for c in frame.columns]
    if text is not None:
        if text in columns:
            return text
        close = [c for c in columns if c.lower() == text.lower()]
        if close:
            return close[0]
        raise TalkscopeError(f"there is no column '{text}'; the columns are: {', '.join(columns)}")
    free = {c: float(frame[c].dropna().astype(str).str.len().mean() or 0) for c in columns
            if infer_kind(frame[c]) == "text"}
    free = {c: n for c, n in free.items() if n >= MIN_TEXT_CHARS}
    named = [c for c in free if c.lower() in TEXT_NAMES]
    if free and (named or len(columns) - 1 <= 4):
        return named[0] if named else max(free, key=free.get)
    if strict:
        raise TalkscopeError(f"which column holds the texts? Give --text COLUMN; the columns are: {', '.join(columns)}")
    return None


def label_column(frame: pd.DataFrame, text: str, label: str | None) -> str | None:
    columns = [str(c) for c in frame.columns if str(c) != text]
    if label is not None:
        if label not in columns:
            close = [c for c in columns if c.lower() == label.lower()]
            if not close:
                raise TalkscopeError(f"there is no column '{label}'; the columns are: {', '.join(columns)}")
            label = close[0]
        return label
    found = [c for c in columns if c.lower() in LABEL_NAMES and 2 <= frame[c].nunique() <= MAX_LABELS]
    return found[0] if len(found) == 1 else None


def read_folder(path: Path) -> tuple[pd.DataFrame, int]:
    """A folder of .txt files, one example each, and how many were not UTF-8 (read as Windows-1252); files in
    subfolders are labelled by the subfolder's name."""
    import pandas as pd

    found = sorted(p for p in path.rglob("*.txt") if p.is_file())
    if not found:
        raise TalkscopeError(f"{path} has no .txt files: give a folder of .txt files (one text each, optionally in "
                             "one subfolder per label), or a CSV / JSONL / Parquet file with --text COLUMN")
    decoded = [decode(p.read_bytes()) for p in found]
    frame = pd.DataFrame({"text": [t for t, _ in decoded], "file": [str(p.relative_to(path)) for p in found]})
    parents = {p.parent for p in found}
    if len(parents) > 1 and all(p.parent != path for p in found):
        frame["label"] = [p.parent.name for p in found]
    return frame, sum(flag for _, flag in decoded)


def decode(raw: bytes) -> tuple[str, bool]:
    """Text from bytes: UTF-8, else Windows-1252 (mixed encodings are common in scraped data); True when the
    fallback was needed."""
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), True


BINARY = re.compile(r"[\x00-\x08\x0e-\x1f]")


def _clean(frame: pd.DataFrame, text: str, notes: list[str]) -> pd.DataFrame:
    values = frame[text]
    as_text = values.fillna("").astype(str)
    empty = values.isna() | (as_text.str.strip() == "")
    binary = as_text.map(lambda s: len(BINARY.findall(s[:4096])) > max(2, len(s[:4096]) // 50))
    drop = empty | binary
    if empty.any():
        notes.append(f"{int(empty.sum())} empty texts left out (ids {_ids(frame.index[empty])})")
    if (binary & ~empty).any():
        notes.append(f"{int((binary & ~empty).sum())} texts that look binary left out (ids "
                     f"{_ids(frame.index[binary & ~empty])})")
    frame = frame[~drop].copy()
    frame[text] = frame[text].astype(str)
    long = frame[text].str.len() > MAX_CHARS
    if long.any():
        notes.append(f"{int(long.sum())} texts longer than {MAX_CHARS:,} characters cut to that length (ids "
                     f"{_ids(frame.index[long])})")
        frame.loc[long, text] = frame.loc[long, text].str.slice(0, MAX_CHARS)
    replaced = frame[text].str.contains("\ufffd", regex=False)
    if replaced.any():
        notes.append(f"{int(replaced.sum())} texts hold bytes that are not valid text, shown as \ufffd (ids "
                     f"{_ids(frame.index[replaced])})")
    if frame.empty:
        raise TalkscopeError(f"no text is left in column '{text}' (all are empty or binary): check --text")
    return frame


def _ids(index: Any, shown: int = 8) -> str:
    ids = [str(int(i)) for i in index[:shown]]
    return ", ".join(ids) + (", ..." if len(index) > shown else "")


def _demo(name: str) -> tuple[pd.DataFrame, str, dict[str, Any]]:
    import pandas as pd

    base = files("talkscope.tools").joinpath("data/texts")
    meta = json.loads(base.joinpath(f"{name}.json").read_text(encoding="utf-8"))
    rows = [json.loads(line) for line in base.joinpath(f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]
    return pd.DataFrame(rows), name, meta


def _read(source: str) -> tuple[pd.DataFrame, str, dict[str, Any]]:
    if source in DEMOS:
        return _demo(source)
    path = Path(source).expanduser()
    if path.is_dir():
        frame, fixed = read_folder(path)
        note = f"{fixed} files are not UTF-8: read as Windows-1252" if fixed else None
        return frame, path.name, {"text": "text", "note": note}
    try:
        return read_frame(source)
    except TalkscopeError as err:
        if not isinstance(err.__cause__, UnicodeDecodeError):
            raise
    return _read_mixed(path)


def _read_mixed(path: Path) -> tuple[pd.DataFrame, str, dict[str, Any]]:
    """A CSV / TSV / JSONL file that is not all UTF-8 (scraped data often mixes encodings): each line decoded on its
    own, as UTF-8 where it is and as Windows-1252 where not, and the lines that needed it counted."""
    import io

    import pandas as pd

    lines = [decode(line) for line in path.read_bytes().split(b"\n")]
    text = "\n".join(t for t, _ in lines)
    fixed = sum(flag for _, flag in lines)
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        frame = pd.read_json(io.StringIO(text), lines=True)
    else:
        frame = pd.read_csv(io.StringIO(text), sep="\t" if path.suffix.lower() == ".tsv" else None, engine="python")
    return frame, path.name, {"note": f"{fixed} lines of the file are not UTF-8: read as Windows-1252"}


def load_texts(source: str, text: str | None = None, label: str | None = None) -> TextData:
    frame, name, meta = _read(source)
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.reset_index(drop=True)
    text = text_column(frame, text or meta.get("text"))
    label = label_column(frame, text, label or meta.get("label"))
    notes: list[str] = []
    if meta.get("note"):
        notes.append(meta["note"])
    kept = frame.index
    frame = _clean(frame, text, notes)
    if label is not None:
        missing = frame[label].isna()
        if missing.any():
            notes.append(f"{int(missing.sum())} texts without a {label} value are left out (ids "
                         f"{_ids(frame.index[missing])})")
            frame = frame[~missing]
        frame[label] = frame[label].astype(str)
        if frame[label].nunique() < 2:
            raise TalkscopeError(f"the label '{label}' has a single value ({frame[label].iloc[0]}): a label check "
                                 "needs two or more; give another --label, or none")
    digest = hashlib.sha256(frame.to_csv().encode() + f"{text}|{label}".encode()).hexdigest()[:16]
    return TextData(frame, text, label, name, source if source in DEMOS else str(Path(source).expanduser()), digest,
                    _schema(frame, name, text, label, meta), notes, len(kept))


def _schema(frame: pd.DataFrame, name: str, text: str, label: str | None, meta: dict[str, Any]) -> Schema:
    kinds = {c: ("text" if c == text else infer_kind(frame[c])) for c in frame.columns}
    columns: dict[str, Column] = {c: _column(c, frame[c], k, meta) for c, k in kinds.items()}
    classes = columns[label].categories if label else ()
    return Schema(name, columns, label or text, "classification", len(frame), classes, meta.get("noun", "text"))


def overview(data: TextData) -> list[str]:
    """A one-screen summary: size, the text column's lengths, labels, the other columns, notes."""
    lengths = data.frame[data.text].str.split().str.len()
    lines = [f"{data.name}: {len(data.frame)} texts in column '{data.text}' (a text dataset; ids from 0), "
             f"median {int(lengths.median())} words, longest {int(lengths.max())}"]
    if data.label:
        counts = data.frame[data.label].value_counts()
        lines.append(f"  labels (column '{data.label}'): " + ", ".join(f"{k} {v} ({v / len(data.frame):.0%})"
                                                                      for k, v in counts.items()))
    else:
        lines.append("  no label column (give --label COLUMN for label checks)")
    others = [c for c in data.frame.columns if c not in (data.text, data.label)]
    if others:
        lines.append(f"  other columns (filters read them): {', '.join(others[:12])}")
    lines += [f"  note: {n}" for n in data.notes]
    return lines
