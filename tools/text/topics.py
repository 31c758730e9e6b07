"""`topics`: what is in a text collection (clusters, keywords, representative examples, model-written names)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from talkscope.tools.base import Arg, ToolContext, ToolResult, Uncertainty
from talkscope.tools.engine.text import topics as engine
from talkscope.tools.text.common import FILTER, TextFinding, TextTool, quotes, subset_flags

STABLE = 0.8  # mean ARI across seeds at or above which the clusters are called stable


@dataclass
class TopicsFinding(TextFinding):
    k: int
    chosen: bool
    silhouette: float
    stability_ari: list[float]
    clusters: list[dict[str, Any]]  # {cluster, size, name, name_by, keywords, examples: [ids], labels: {l: n}}
    n: int

    def summary(self) -> str:
        how = "chosen by silhouette" if self.chosen else "as asked"
        parts = []
        for c in self.clusters:
            labels = c.get("labels") or {}
            top = max(labels, key=labels.get) if labels else None
            share = labels[top] / c["size"] if top else 0.0
            mix = "" if not top else f", mostly {top} ({share:.0%})" if share >= 0.5 else \
                f", labels mixed, the largest {top} ({share:.0%})"
            parts.append(f"cluster {c['cluster']} (the model reads it as about \"{c['name']}\"; {c['size']} "
                         f"texts{mix}; keywords: {', '.join(c['keywords'][:5])})")
        return (f"{self.k} topics ({how}) among {self.n} texts: " + "; ".join(parts) +
                ". What each cluster is about is written by the local model from its keywords and most typical "
                "text, not checked")

    def uncertainty(self) -> Uncertainty:
        ari = float(np.mean(self.stability_ari))
        basis = (f"cluster stability across {len(self.stability_ari)} other seeds: mean adjusted Rand index "
                 f"{ari:.2f} (min {min(self.stability_ari):.2f}); silhouette {self.silhouette:.2f}")
        return self.base_uncertainty(0.1 if ari >= STABLE else 0.4 if ari >= 0.5 else 0.7, basis)


class TopicsTool(TextTool):
    name = "topics"
    description = "What is in a text dataset: clusters of the texts by meaning, their keywords (c-TF-IDF), sizes, " \
                  "representative examples and a model-written name each, with stability across seeds."
    inputs = {"k": Arg("integer", "how many topics (empty: chosen by silhouette, 3 to 12)", nullable=True),
              "filter": FILTER}
    examples = ("What is in this dataset?", "Cluster the texts into 5 topics")
    follow_ups = {"Now 5 topics": ("topics",)}

    def run(self, ctx: ToolContext, k: int | None, filter: str | None) -> ToolResult:  # noqa: A002
        state = ctx.texts
        subset, clustering = state.clustering(filter, k, ctx.progress)
        state.shown = (filter, k)  # "cluster 2" in later turns means this clustering's cluster 2
        data = state.data
        texts = [data.texts[p] for p in subset.positions]
        vectors = state.vectors()[subset.positions]
        words = engine.keywords(texts, clustering.labels, clustering.k)
        reps = engine.representatives(vectors, clustering.labels, clustering.centroids)
        names = engine.model_names(ctx.model, [[w for w, _ in ws[:6]] for ws in words],
                                   [[texts[i] for i in r] for r in reps])
        labels = data.labels
        clusters = []
        for c in range(clustering.k):
            members = np.flatnonzero(clustering.labels == c)
            entry = {"cluster": c, "size": int(len(members)), "name": names[c], "name_by": ctx.model.name,
                     "keywords": [w for w, _ in words[c]], "examples": [data.ids[subset.positions[i]] for i in reps[c]]}
            if labels is not None:
                counts: dict[str, int] = {}
                for i in members:
                    counts[labels[subset.positions[i]]] = counts.get(labels[subset.positions[i]], 0) + 1
                entry["labels"] = dict(sorted(counts.items(), key=lambda kv: -kv[1]))
            clusters.append(entry)
        shown = [subset.positions[r[0]] for r in reps[:6]]
        finding = TopicsFinding(clustering.k, clustering.chosen, round(clustering.silhouette, 4),
                                [round(a, 4) for a in clustering.stability], clusters, subset.n,
                                texts=subset.describe(), reader=f"all-MiniLM-L6-v2 (clusters), {ctx.model.name} "
                                "(names)", flags=subset_flags(subset), notes=data.notes, quoted=quotes(ctx, shown))
        return self.result(finding, self._figure(ctx, vectors, clustering.labels, names))

    @staticmethod
    def _figure(ctx: ToolContext, vectors: np.ndarray, labels: np.ndarray, names: list[str]) -> Any:
        from sklearn.decomposition import PCA

        from talkscope.tools.engine.drawing import draw_later

        xy = PCA(2, random_state=0).fit_transform(vectors) if len(vectors) > 2 else np.zeros((len(vectors), 2))
        return draw_later(ctx.figure_path("topics"), "talkscope.tools.engine.text.figures:cluster_map",
                          xy.tolist(), labels.tolist(), names, "Topics: the texts' MiniLM embeddings (PCA), by cluster")
