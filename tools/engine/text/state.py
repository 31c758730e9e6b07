"""The text collection a conversation is about, with what has been computed on it: sentence embeddings, the
model's readings (surprisal, hidden states), clusterings and zero-shot readings, each computed on first use and
cached (on disk by content, see `reading.py`, and in memory for the session)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.model import ModelAdapter
from talkscope.tools.engine.table import conditions
from talkscope.tools.engine.table import reading as plain
from talkscope.tools.engine.text.collection import TextData, load_texts
from talkscope.tools.engine.text.reading import Readings, bar, cached_array, model_key, read_examples
from talkscope.tools.engine.text.topics import Clustering, cluster

NO_TEXTS = "no text dataset is loaded: start with --data FILE --text COLUMN [--label COLUMN] (or --data tickets, " \
           "the demo), or type /data FILE in the chat"
CLUSTER = re.compile(r"^\s*(?:cluster|topic|group)\s*#?\s*(\d+)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Subset:
    condition: str | None
    positions: list[int]  # positions in the collection's texts
    total: int

    @property
    def n(self) -> int:
        return len(self.positions)

    def describe(self) -> str:
        return f"all {self.total} texts" if self.condition is None else \
            f"{self.condition} ({self.n} of {self.total} texts)"


@dataclass
class TextState:
    source: str
    text: str | None = None
    label: str | None = None
    cache_dir: Path | None = None
    runner: Any = None  # the Ray path's runner (`scale.ray_runner`), None: this process
    _data: TextData | None = None
    _vectors: np.ndarray | None = field(default=None, repr=False)
    _readings: dict[str, Readings] = field(default_factory=dict, repr=False)  # per model (`model_key`)
    _decodability: dict[str, Any] = field(default_factory=dict, repr=False)
    _clusterings: dict[tuple[str | None, int | None], tuple[Subset, Clustering]] = field(default_factory=dict)
    shown: tuple[str | None, int | None] | None = None  # the clustering `topics` showed last: "cluster N" means it

    @property
    def data(self) -> TextData:
        if self._data is None:
            self._data = load_texts(self.source, self.text, self.label)
        return self._data

    def vectors(self, progress: Any = None) -> np.ndarray:
        """Unit-length MiniLM embeddings of every text [N, 384], cached on disk by the collection's digest."""
        if self._vectors is None:
            self._vectors = self._cached_vectors(progress)
        return self._vectors

    def _cached_vectors(self, progress: Any) -> np.ndarray:
        from talkscope.retrieval.embed import load_embedder

        def build() -> np.ndarray:
            texts = self.data.texts
            encoder = load_embedder()
            out = []
            with bar(progress, len(texts), f"Embedding {len(texts):,} texts") as advance:
                for start in range(0, len(texts), 256):
                    out.append(np.asarray(encoder.encode(texts[start:start + 256]), dtype=np.float32))
                    advance(len(out[-1]))
            return np.concatenate(out)

        path = None if self.cache_dir is None else self.cache_dir / "embeddings" / f"minilm-{self.data.digest}.npy"
        return cached_array(path, "the text embeddings", build)

    def readings(self, model: ModelAdapter, progress: Any = None) -> Readings:
        key = model_key(model)
        if key not in self._readings:
            self._readings[key] = read_examples(model, self.data.texts, self.cache_dir and self.cache_dir / "readings",
                                                progress, self.runner)
        return self._readings[key]

    def decodability(self, model: ModelAdapter, progress: Any = None) -> Any:
        """The label's probe scan over every layer (`labels.decodability`), once per model in a session."""
        from talkscope.tools.engine.text.labels import decodability

        key = model_key(model)
        if key not in self._decodability:
            states = self.readings(model, progress).states
            self._decodability[key] = decodability(states, self.data.labels or [], self.data.texts, progress)
        return self._decodability[key]

    def has_readings(self, model: ModelAdapter) -> bool:
        return model_key(model) in self._readings

    def cluster_labels(self, progress: Any = None) -> tuple[np.ndarray, str]:
        """Each text's cluster in the clustering `topics` showed last (all texts, k by silhouette, if none yet),
        -1 for a text outside it; and how that clustering reads ("of the 5 topics of label == 'refund'")."""
        filter_text, k = self.shown or (None, None)
        subset, clustering = self.clustering(filter_text, k, progress)
        labels = np.full(len(self.data.texts), -1)
        labels[subset.positions] = clustering.labels
        where = f" of {subset.condition}" if subset.condition else ""
        return labels, f"of the {clustering.k} topics{where}"

    def select(self, text: str | None) -> Subset:
        """The texts a filter selects: a condition on the other columns (the table's condition language, or
        plain words), a label value, or a cluster ("cluster 3")."""
        data = self.data
        total = len(data.frame)
        if text is None or not text.strip() or text.strip().lower() in ("all", "everything", "all texts", "none"):
            return Subset(None, list(range(total)), total)
        mask, canonical = self.mask(text)
        positions = np.flatnonzero(mask).tolist()
        if not positions:
            raise TalkscopeError(f"no text matches {canonical}")
        return Subset(canonical, positions, total)

    def mask(self, text: str) -> tuple[np.ndarray, str]:
        data = self.data
        spec = text.strip()
        found = CLUSTER.match(spec)
        if found:
            labels, which = self.cluster_labels()
            c, k = int(found.group(1)), int(labels.max()) + 1
            if not 0 <= c < k:
                raise TalkscopeError(f"there is no cluster {c}: the clusters are 0 to {k - 1} ({which})")
            return labels == c, f"cluster {c} ({which})"
        if data.label and spec.strip("'\"") in data.classes:
            value = spec.strip("'\"")
            return (data.frame[data.label] == value).to_numpy(), f"{data.label} == {value!r}"
        cond = self._condition(spec)
        return cond.mask(data.frame, None).to_numpy(), cond.text()

    def _condition(self, text: str) -> conditions.Cond:
        schema = self.data.schema
        try:
            return conditions.parse(text, schema)
        except TalkscopeError as strict:
            loose = plain.read(text, schema)
            if loose is None:
                others = [c for c in schema.columns if c != self.data.text]
                labels = f"; the labels are: {', '.join(self.data.classes)}" if self.data.label else ""
                raise TalkscopeError(f"I could not read a group or filter in {text!r} ({strict}): name a label, a "
                                     f"cluster ('cluster 2') or a condition on {', '.join(others) or 'a column'}"
                                     f"{labels}") from None
            return loose

    def clustering(self, filter_text: str | None, k: int | None, progress: Any = None) -> tuple[Subset, Clustering]:
        key = (filter_text, k)
        if key not in self._clusterings:
            subset = self.select(filter_text)
            if subset.n < 6:
                raise TalkscopeError(f"{subset.describe()}: too few texts to cluster (at least 6)")
            if k is not None and not 2 <= k <= min(50, subset.n - 1):
                raise TalkscopeError(f"k = {k}: ask for 2 to {min(50, subset.n - 1)} topics")
            vectors = self.vectors(progress)[subset.positions]
            self._clusterings[key] = (subset, cluster(vectors, k))
        return self._clusterings[key]

