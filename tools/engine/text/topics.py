"""What is in a text collection: k-means clusters of the sentence embeddings (the packaged MiniLM), keywords by
class-based TF-IDF, representative examples, stability across seeds, and a short name per cluster written by
the local model from its keywords and examples.

BERTopic is the field's library for this pipeline; it is not used because what it adds here (UMAP and HDBSCAN,
which pull numba, llvmlite and plotly) is not what we need: k-means on unit-length MiniLM vectors with the
number of clusters chosen by silhouette is deterministic under a seed, and its stability is measurable (the
adjusted Rand index between seeds, reported in every answer). c-TF-IDF is BERTopic's formula (Grootendorst
2022): tf of a term in a cluster's joined text, times log(1 + A / f_t), A the mean words per cluster.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

SEED = 0
K_RANGE = range(3, 13)
SILHOUETTE_SAMPLE = 3000
STABILITY_SEEDS = (1, 2, 3, 4)
KEYWORDS = 8
FULL_KMEANS = 20_000  # texts up to which full k-means runs; beyond, mini-batch k-means and a sample to choose k


@dataclass
class Clustering:
    labels: np.ndarray  # [N] cluster per example (positions of the texts given)
    k: int
    chosen: bool  # k chosen by silhouette (False: asked for)
    silhouette: float
    stability: list[float]  # ARI against the seed-0 clustering, per other seed
    centroids: np.ndarray


def cluster(vectors: np.ndarray, k: int | None = None) -> Clustering:
    """k-means on unit vectors; k from `K_RANGE` by silhouette when not given. Past `FULL_KMEANS` texts, k is chosen
    on a sample of that size and the fits are scikit-learn's mini-batch k-means (the full algorithm took 280 s for
    one k with its stability seeds at 100,000 texts on 2 cores; benchmarks/README.md)."""
    from sklearn.metrics import adjusted_rand_score, silhouette_score

    n = len(vectors)
    rng = np.random.default_rng(SEED)
    sample = rng.choice(n, min(n, SILHOUETTE_SAMPLE), replace=False)
    chosen = k is None
    if k is None:
        scan, probe = vectors, sample
        if n > FULL_KMEANS:  # a random draw, so its first rows are a random sample for the silhouette
            scan, probe = vectors[rng.choice(n, FULL_KMEANS, replace=False)], np.arange(SILHOUETTE_SAMPLE)
        scored = {}
        for kk in (kk for kk in K_RANGE if kk < n):
            labels = _fit(scan, kk, SEED).labels_
            scored[kk] = float(silhouette_score(scan[probe], labels[probe]))
        k = max(scored, key=scored.get)
    model = _fit(vectors, k, SEED)
    sil = float(silhouette_score(vectors[sample], model.labels_[sample])) if 1 < k < n else float("nan")
    base = _by_size(model.labels_)
    stability = [float(adjusted_rand_score(base, _fit(vectors, k, s).labels_)) for s in STABILITY_SEEDS]
    centroids = np.stack([vectors[base == c].mean(0) for c in range(k)])
    return Clustering(base, k, chosen, sil, stability, centroids)


def _fit(vectors: np.ndarray, k: int, seed: int) -> Any:
    from sklearn.cluster import KMeans, MiniBatchKMeans

    if len(vectors) <= FULL_KMEANS:
        return KMeans(k, n_init=4, random_state=seed).fit(vectors)
    return MiniBatchKMeans(k, n_init=3, batch_size=4096, random_state=seed).fit(vectors)


def _by_size(labels: np.ndarray) -> np.ndarray:
    """Cluster numbers by size, largest first (cluster 0 is the biggest), so numbers read the same across runs."""
    order = np.argsort(-np.bincount(labels), kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[labels]


def keywords(texts: list[str], labels: np.ndarray, k: int, top: int = KEYWORDS) -> list[list[tuple[str, float]]]:
    """Per cluster, its `top` terms by c-TF-IDF (words and two-word phrases, English stop words left out)."""
    from sklearn.feature_extraction.text import CountVectorizer

    joined = [" ".join(t for t, c in zip(texts, labels) if c == i) for i in range(k)]
    vec = CountVectorizer(stop_words="english", ngram_range=(1, 2), min_df=1, token_pattern=r"(?u)\b[a-zA-Z][\w'-]+\b")
    counts = vec.fit_transform(joined).toarray().astype(float)
    tf = counts / np.maximum(counts.sum(1, keepdims=True), 1)
    avg = counts.sum() / k
    idf = np.log(1 + avg / np.maximum(counts.sum(0), 1))
    score = tf * idf
    terms = vec.get_feature_names_out()
    return [[(str(terms[j]), float(score[i, j])) for j in np.argsort(-score[i])[:top] if score[i, j] > 0]
            for i in range(k)]


def representatives(vectors: np.ndarray, labels: np.ndarray, centroids: np.ndarray, per: int = 3) -> list[list[int]]:
    """Per cluster, the positions of its `per` examples closest to its centroid (cosine)."""
    out = []
    for c, centre in enumerate(centroids):
        members = np.flatnonzero(labels == c)
        sims = vectors[members] @ (centre / max(np.linalg.norm(centre), 1e-9))
        out.append(members[np.argsort(-sims)[:per]].tolist())
    return out


def name_prompt(words: list[str], examples: list[str]) -> str:
    """The cluster's most typical text and keywords, for the model to continue "... is about". The default model
    is a small base model: asked for a "title" it copies the prompt; continuing a sentence it names the subject
    (prompts compared on four clusters of the demo set)."""
    example = " ".join(examples[0].split())[:200] if examples else ""
    return f'"{example}"\nThis message, like others with the words {", ".join(words[:5])}, is about'


def model_names(model, keyword_lists: list[list[str]], example_lists: list[list[str]]) -> list[str]:  # noqa: ANN001
    """One short name per cluster, written by the local model (greedy, one batch)."""
    from talkscope.tools.engine.generation import continue_prompts

    prompts = [name_prompt(w, e) for w, e in zip(keyword_lists, example_lists)]
    out = continue_prompts(model, prompts, max_new_tokens=10, scores=False)
    return [_title(c.text) for c in out]


def _title(text: str) -> str:
    line = next((x for x in text.strip().splitlines() if x.strip()), "")
    line = line.split(". ")[0].strip(" *\"'#:-.").strip()
    return line[:60] or "(no name)"
