"""Probe datasets: the built-in concepts and a user's CSV/JSONL, validated with errors that say what to fix,
and their hidden states at every layer (one batched forward per batch of texts), cached on disk (one .npy per
model, dataset and pooling; written atomically under a lock, see `cachefile`)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np

from talkscope.tools.engine.cachefile import Damaged, load_or_build
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.model import ModelAdapter

BUILT_IN = ("sentiment", "tense", "number", "language", "factuality")
# What a built-in dataset's `group` column holds (the word or item that carries the concept), in the plural.
GROUP_NAMES = {"sentiment": "adjectives", "tense": "verbs", "number": "nouns", "language": "sentence objects",
               "factuality": "relations"}
MIN_PER_CLASS = 20
BATCH = 32


@dataclass(frozen=True)
class Dataset:
    name: str
    texts: list[str]
    labels: list[str]
    groups: list[str] | None = None  # per row, the word or item that carries the concept
    group_name: str = "groups"  # what a group is, in the plural ("adjectives")

    @property
    def digest(self) -> str:
        h = hashlib.sha256()
        for t, y in zip(self.texts, self.labels):
            h.update(f"{t}\t{y}\n".encode())
        return h.hexdigest()[:16]


def load_dataset(concept: str) -> Dataset:
    """A built-in concept by name, or a path to a user's `text,label` CSV (or JSONL)."""
    if concept in BUILT_IN:
        raw = files("talkscope.tools").joinpath(f"data/probes/{concept}.csv").read_bytes()
        return _validate(concept, *_read_csv(raw, concept), group_name=GROUP_NAMES[concept])
    path = Path(concept).expanduser()
    if not path.is_file():
        raise TalkscopeError(f"'{concept}' is neither a built-in concept ({', '.join(BUILT_IN)}) nor a file: "
                             "give one of those names or the path to a CSV with columns text,label")
    raw = path.read_bytes()
    rows = _read_jsonl(raw, path) if path.suffix == ".jsonl" else _read_csv(raw, str(path))
    return _validate(path.name, *rows)


def _decode(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise TalkscopeError(f"{where} is not UTF-8 text (byte {err.start}): save it as UTF-8 and try again") from err


Rows = tuple[list[str], list[str], list[str] | None]  # texts, labels, groups (None: no group column)


def _read_csv(raw: bytes, where: str) -> Rows:
    reader = csv.DictReader(io.StringIO(_decode(raw, where)))
    missing = {"text", "label"} - set(reader.fieldnames or [])
    if missing:
        raise TalkscopeError(f"{where} has no column {', '.join(sorted(missing))}: the first line must be text,label"
                             " (and optionally group)")
    has_group = "group" in (reader.fieldnames or [])
    rows = [(r["text"] or "", r["label"] or "", (r.get("group") or "") if has_group else "") for r in reader]
    return [t for t, _, _ in rows], [y for _, y, _ in rows], [g for _, _, g in rows] if has_group else None


def _read_jsonl(raw: bytes, path: Path) -> Rows:
    texts, labels, groups = [], [], []
    for n, line in enumerate(_decode(raw, str(path)).splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            texts.append(str(obj["text"]))
            labels.append(str(obj["label"]))
            groups.append(None if obj.get("group") is None else str(obj["group"]))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as err:
            raise TalkscopeError(f"{path}:{n} must be a JSON object with 'text' and 'label' (and optionally "
                                 "'group')") from err
    if all(g is None for g in groups):
        return texts, labels, None
    return texts, labels, ["" if g is None else g for g in groups]


def _validate(name: str, texts: list[str], labels: list[str], groups: list[str] | None,
              group_name: str = "groups") -> Dataset:
    rows = [(t.strip(), y.strip(), (groups[i].strip() if groups is not None else ""))
            for i, (t, y) in enumerate(zip(texts, labels)) if t.strip() and y.strip()]
    if groups is not None and any(not g for _, _, g in rows):
        n = sum(1 for _, _, g in rows if not g)
        raise TalkscopeError(f"{name}: {n} row(s) have an empty group; give every row a group (the word or item "
                             "that carries the concept) or leave the column out")
    keep = [(t, y) for t, y, _ in rows]
    counts = Counter(y for _, y in keep)
    if len(counts) < 2:
        raise TalkscopeError(f"{name} has {'one class only' if counts else 'no labelled rows'}: a probe needs "
                             "at least two labels to tell apart")
    small = {y: c for y, c in counts.items() if c < MIN_PER_CLASS}
    if small:
        raise TalkscopeError(f"{name}: too few rows for {', '.join(f'{y!r} ({c})' for y, c in small.items())}; "
                             f"give at least {MIN_PER_CLASS} rows per class")
    return Dataset(name, [t for t, _ in keep], [y for _, y in keep],
                   [g for _, _, g in rows] if groups is not None else None, group_name)


def hidden_states(model: ModelAdapter, data: Dataset, pooling: str, cache: Path) -> np.ndarray:
    """[L+1, N, D] float32: every layer, pooled per text (last token or mean), cached on disk. Processes asking
    for the same states at once compute them once: the others wait for the cache file, then read it."""
    key = hashlib.sha256(f"{model.source}|{model.name}|{data.digest}|{pooling}".encode()).hexdigest()[:20]
    shape = (model.n_layers + 1, len(data.texts), model.hidden_size)

    def read(f: io.BytesIO) -> np.ndarray:
        states = np.load(f, allow_pickle=False)
        if states.shape != shape or states.dtype != np.float32:
            raise Damaged(f"shape {states.shape} {states.dtype}, expected {shape} float32")
        return states

    def encode(states: np.ndarray) -> bytes:
        buf = io.BytesIO()
        np.save(buf, states)
        return buf.getvalue()

    return load_or_build(cache / "probes" / f"{key}.npy", f"the hidden states of {data.name}", read,
                         lambda: _compute_states(model, data, pooling), encode)


def _compute_states(model: ModelAdapter, data: Dataset, pooling: str) -> np.ndarray:
    from talkscope.tools.engine.progress import progress_bar

    encs = [model.encode(t) for t in data.texts]
    order = sorted(range(len(encs)), key=lambda i: len(encs[i]))  # similar lengths together: less padding
    states = np.zeros((model.n_layers + 1, len(encs), model.hidden_size), dtype=np.float32)
    with progress_bar(len(encs), f"hidden states of {data.name}") as advance:
        for start in range(0, len(encs), BATCH):
            rows = order[start:start + BATCH]
            ids, mask = model.left_pad([encs[i] for i in rows])
            hs = model.residual_stream(ids, attention_mask=mask).float()  # [L+1, B, T, D], left-padded
            if pooling == "last":
                pooled = hs[:, :, -1]
            else:
                m = mask[None, :, :, None].float()
                pooled = (hs * m).sum(2) / m.sum(2)
            states[:, rows] = pooled.cpu().numpy()
            advance(len(rows))
    return states
