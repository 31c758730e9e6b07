"""Which tool a turn asks for: two calibrated logistic-regression heads, read in numpy.

Training data: every tool's `examples`, `follow_ups`, route `exemplars` and `training` families, and the
out-of-scope families (`data/out_of_scope.json`, class `OUT_OF_SCOPE`), each with its quoted text masked.
One head reads the sentence embedding (meaning), the other character 2-4-grams within words, TF-IDF weighted
as scikit-learn's `TfidfVectorizer(analyzer="char_wb")` does (the words themselves: "logit lens", "IG",
misspellings); their probabilities are averaged. Held out by paraphrase family (grouped cross-validation on
the training data), the embedding head alone is right on 0.887 of utterances, the character head on 0.905
and the two together on 0.929. scikit-learn fits them; routing applies them with numpy (`char_features`
repeats the vectorizer's arithmetic, checked against it in the tests), so scikit-learn and scipy, slow to
import, stay out of routing. The temperature and the clarify threshold are chosen on the held-out
predictions, so on text the heads did not see.

A trained head is stored with the hash of what it was trained on: the packaged head (`data/intent.npz`,
written by `python -m talkscope.agent.intent`) when the tools are the built-in ones, else a copy fitted on
first use and cached (a plugin tool brings its own route data).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from talkscope.agent.routes import RouteSpec, mask_quotes

OUT_OF_SCOPE = "(out of scope)"
PACKAGED = "data/intent.npz"
C_EMBEDDING, C_CHARS = 3.0, 10.0  # inverse L2 strengths, chosen by the grouped cross-validation
NGRAMS = (2, 4)
NEAR, SAME = 0.80, 0.95  # a training utterance this similar to the turn lends it its label, fully at SAME
FOLDS = 5
Encoder = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Example:
    text: str  # masked
    label: str
    group: str  # paraphrase family: held out together


def out_of_scope_families() -> dict[str, list[str]]:
    raw = json.loads(files("talkscope.agent").joinpath("data/out_of_scope.json").read_text(encoding="utf-8"))
    return raw["families"]


def training_set(specs: dict[str, RouteSpec]) -> list[Example]:
    rows: list[Example] = []
    for name, spec in specs.items():
        rows += [Example(e, name, f"{name}/exemplar{i // 4}") for i, e in enumerate(spec.exemplars)]
        for family, texts in spec.training.items():
            rows += [Example(mask_quotes(t), name, f"{name}/{family}") for t in texts]
    for family, texts in out_of_scope_families().items():
        rows += [Example(mask_quotes(t), OUT_OF_SCOPE, f"oos/{family}") for t in texts]
    return rows


def data_hash(rows: list[Example]) -> str:
    h = hashlib.sha256()
    for r in rows:
        h.update(f"{r.label}\t{r.group}\t{r.text}\n".encode())
    return h.hexdigest()[:16]


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b without BLAS (einsum's own loops): a turn is one row, and OpenBLAS threads left spinning after a
    product slowed the embedder's next forward pass threefold on two cores (median routing 48 ms -> 17 ms)."""
    return np.einsum("ij,jk->ik", a, b, optimize=False)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def char_ngrams(text: str) -> list[str]:
    """The character n-grams of `TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS)`, in its order."""
    grams: list[str] = []
    for word in re.sub(r"\s\s+", " ", text.lower()).split():
        w = f" {word} "
        for n in range(NGRAMS[0], NGRAMS[1] + 1):
            offset = 0
            grams.append(w[offset:offset + n])
            while offset + n < len(w):
                offset += 1
                grams.append(w[offset:offset + n])
            if offset == 0:  # a word shorter than n counts once
                break
    return grams


def char_features(texts: list[str], vocabulary: dict[str, int], idf: np.ndarray) -> np.ndarray:
    """Sublinear TF x IDF of each text's n-grams in the vocabulary, each row of unit length."""
    out = np.zeros((len(texts), len(vocabulary)))
    for row, text in enumerate(texts):
        counts: dict[int, int] = {}
        for gram in char_ngrams(text):
            j = vocabulary.get(gram)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        for j, c in counts.items():
            out[row, j] = (1 + np.log(c)) * idf[j]
        norm = np.linalg.norm(out[row])
        if norm:
            out[row] /= norm
    return out


@dataclass
class IntentHead:
    labels: list[str]
    emb_w: np.ndarray  # [384, classes]
    emb_b: np.ndarray
    vocabulary: list[str]  # character n-grams
    idf: np.ndarray
    char_w: np.ndarray  # [n-grams, classes]
    char_b: np.ndarray
    temperature: float
    threshold: float
    digest: str
    memory: np.ndarray  # the training utterances' embeddings (float16) ...
    memory_labels: np.ndarray  # ... and their class indices

    def __post_init__(self) -> None:
        self._index = {g: i for i, g in enumerate(self.vocabulary)}
        self._memory = np.asarray(self.memory, dtype=np.float32).T  # float16 on disk, float32 to multiply

    def mixed(self, vectors: np.ndarray, texts: list[str]) -> np.ndarray:
        """The two heads' probabilities, averaged (before calibration)."""
        chars = char_features(texts, self._index, self.idf)
        return (_softmax(_dot(vectors, self.emb_w) + self.emb_b) + _softmax(_dot(chars, self.char_w) + self.char_b)) / 2

    def probabilities(self, vectors: np.ndarray, texts: list[str]) -> np.ndarray:
        """Calibrated probabilities, pulled towards the label of a near-identical training utterance (a
        phrasing the heads were taught but fit imperfectly, such as a bare "Why?")."""
        p = _softmax(np.log(self.mixed(vectors, texts) + 1e-12) / self.temperature)
        sims = _dot(np.asarray(vectors, dtype=np.float32), self._memory)
        nearest = sims.argmax(axis=1)
        alpha = np.clip((sims[np.arange(len(p)), nearest] - NEAR) / (SAME - NEAR), 0, 1)[:, None]
        return (1 - alpha) * p + alpha * np.eye(len(self.labels))[self.memory_labels[nearest]]

    def save(self, path: Path) -> None:
        """Written atomically under a lock beside `path` (see tools/engine/cachefile.py): several processes
        sharing the cache may fit the same head, and a reader must never load half of one."""
        from talkscope.tools.engine.cachefile import atomic_write_bytes

        buf = io.BytesIO()
        arrays = {k: getattr(self, k) for k in ("emb_w", "emb_b", "idf", "char_w", "char_b", "memory",
                                                 "memory_labels")}
        np.savez_compressed(buf, labels=np.array(self.labels), vocabulary=np.array(self.vocabulary),
                            temperature=self.temperature, threshold=self.threshold, digest=self.digest, **arrays)
        atomic_write_bytes(path, buf.getvalue(), "the question router")

    @classmethod
    def read(cls, source: Any) -> IntentHead:
        with np.load(source, allow_pickle=False) as z:
            return cls([str(s) for s in z["labels"]], z["emb_w"], z["emb_b"], [str(g) for g in z["vocabulary"]],
                       z["idf"], z["char_w"], z["char_b"], float(z["temperature"]), float(z["threshold"]),
                       str(z["digest"]), z["memory"], z["memory_labels"])


def fit(x: np.ndarray, texts: list[str], y: np.ndarray, n_classes: int) -> tuple[Any, ...]:
    """(embedding weights, bias, n-gram vocabulary, idf, n-gram weights, bias) fitted with scikit-learn."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    def weights(model: Any) -> tuple[np.ndarray, np.ndarray]:
        w, b = np.zeros((model.coef_.shape[1], n_classes)), np.full(n_classes, -30.0)
        w[:, model.classes_], b[model.classes_] = model.coef_.T, model.intercept_  # a class absent: never
        return w, b

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True, min_df=2)
    chars = vectorizer.fit_transform(texts)
    emb = weights(LogisticRegression(C=C_EMBEDDING, max_iter=3000).fit(x, y))
    char = weights(LogisticRegression(C=C_CHARS, max_iter=3000).fit(chars, y))
    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    return (*emb, vocabulary, vectorizer.idf_, *char)


def held_out(x: np.ndarray, texts: list[str], y: np.ndarray, groups: list[str], n_classes: int) -> np.ndarray:
    """Each row's mixed probabilities from heads fitted without its paraphrase family (families in folds)."""
    names = sorted(set(groups), key=lambda g: hashlib.md5(g.encode()).hexdigest())
    fold_of = {g: i % FOLDS for i, g in enumerate(names)}
    folds = np.array([fold_of[g] for g in groups])
    out = np.zeros((len(x), n_classes))
    for k in range(FOLDS):
        test, train_rows = folds == k, np.where(folds != k)[0]
        head = IntentHead([""] * n_classes, *fit(x[~test], [texts[i] for i in train_rows], y[~test], n_classes),
                          1.0, 0.0, "", x[:0], y[:0])
        out[test] = head.mixed(x[test], [t for t, f in zip(texts, folds) if f == k])
    return out


def calibrate(p: np.ndarray, y: np.ndarray, oos: int) -> tuple[float, float]:
    """(temperature minimising held-out NLL, threshold maximising held-out accuracy when turns below it, and
    out-of-scope turns, are answered with a question)."""
    logp = np.log(p + 1e-12)
    temps = np.exp(np.linspace(np.log(0.05), np.log(5), 80))
    nll = [-np.log(_softmax(logp / t)[np.arange(len(y)), y] + 1e-12).mean() for t in temps]
    temp = float(temps[int(np.argmin(nll))])
    q = _softmax(logp / temp)
    top, conf = q.argmax(axis=1), q.max(axis=1)
    best = (-1.0, 0.5)
    for tau in np.linspace(0.2, 0.9, 71):
        asks = (conf < tau) | (top == oos)
        right = np.where(y == oos, asks, (~asks) & (top == y))
        best = max(best, (float(right.mean()), -float(tau)))
    return temp, -best[1]


def train(rows: list[Example], encode: Encoder) -> IntentHead:
    labels = sorted({r.label for r in rows})
    texts = [r.text for r in rows]
    x = np.asarray(encode(texts), dtype=np.float64)
    y = np.array([labels.index(r.label) for r in rows])
    p = held_out(x, texts, y, [r.group for r in rows], len(labels))
    temperature, threshold = calibrate(p, y, labels.index(OUT_OF_SCOPE))
    return IntentHead(labels, *fit(x, texts, y, len(labels)), temperature, threshold, data_hash(rows),
                      x.astype(np.float16), y)


def load_head(specs: dict[str, RouteSpec], encode: Encoder, cache: Path) -> IntentHead:
    """The head for these tools: packaged, cached, or fitted now (and cached) when the training data changed."""
    return load_fitted(training_set(specs), encode, cache, PACKAGED, "intent",
                       f"Fitting the question router to {len(specs)} tools (once; then cached)")


def load_fitted(rows: list[Example], encode: Encoder, cache: Path, packaged: str, stem: str,
                status: str) -> IntentHead:
    """A head for these training rows: the packaged file or the cached `<stem>-<digest>.npz` when its digest is
    the rows', else fitted now (with `status` shown) and cached."""
    digest = data_hash(rows)
    shipped = files("talkscope.agent").joinpath(packaged)
    candidates: list[Any] = [cache / f"{stem}-{digest}.npz"]
    if shipped.is_file():
        candidates.insert(0, shipped)
    for source in candidates:
        try:
            with source.open("rb") as f:
                head = IntentHead.read(f)
        except (OSError, ValueError, KeyError):
            continue
        if head.digest == digest:
            return head
    from rich.console import Console

    with Console(stderr=True).status(status):
        head = train(rows, encode)
    with contextlib.suppress(OSError):  # a read-only cache: fitted again next time
        head.save(cache / f"{stem}-{digest}.npz")
    return head


def main() -> None:
    """Fit the packaged head for the built-in tools and write it into the package."""
    from talkscope.agent.routes import load_specs
    from talkscope.retrieval.embed import load_embedder
    from talkscope.tools.base import list_tools

    specs = load_specs(list_tools(), "model")  # the table tools' head: agent/table_router.py
    embedder = load_embedder()
    head = train(training_set(specs), lambda texts: np.asarray(embedder.encode(texts)))
    target = Path(__file__).with_name("data") / "intent.npz"
    head.save(target)
    print(f"wrote {target}: {len(head.labels)} classes, {len(head.vocabulary)} n-grams, temperature "
          f"{head.temperature:.3f}, threshold {head.threshold:.2f}, data {head.digest}")


if __name__ == "__main__":
    main()
