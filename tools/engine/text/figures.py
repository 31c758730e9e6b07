"""Figures of the text-dataset tools (drawn in the background by `drawing.draw_later`, like every figure):
the cluster map and the distinguishing-words chart; surprisal highlights reuse `figures.token_heatmap`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from talkscope.tools.engine.figures import plt


def cluster_map(path: Path, xy: Sequence[Sequence[float]], labels: Sequence[int], names: Sequence[str],
                title: str) -> Path:
    """Each text a dot at its 2-D projection, coloured by cluster, each cluster's name at its centre."""
    fig, ax = plt.subplots(figsize=(7.2, 5.2))
    cmap = plt.get_cmap("tab20")
    for c, name in enumerate(names):
        pts = [p for p, lab in zip(xy, labels) if lab == c]
        if not pts:
            continue
        xs, ys = zip(*pts)
        ax.scatter(xs, ys, s=6, alpha=0.55, color=cmap(c % 20), label=f"{c}: {name}"[:40])
        ax.text(sum(xs) / len(xs), sum(ys) / len(ys), str(c), fontsize=10, weight="bold", ha="center",
                bbox={"boxstyle": "round", "fc": "white", "alpha": 0.8, "lw": 0})
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(fontsize=7, markerscale=2.5, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def word_bars(path: Path, words_a: Sequence[str], z_a: Sequence[float], words_b: Sequence[str],
              z_b: Sequence[float], name_a: str, name_b: str, title: str) -> Path:
    """The words that separate two groups: z-scores of the log-odds ratio, group A to the right, B to the left."""
    words = list(words_a)[::-1] + list(words_b)
    zs = list(z_a)[::-1] + list(z_b)
    fig, ax = plt.subplots(figsize=(6.4, 0.28 * len(words) + 1.2))
    ax.barh(range(len(words)), zs, color=["#d62728" if z > 0 else "#1f77b4" for z in zs])
    ax.set_yticks(range(len(words)), words, fontsize=8)
    ax.axvline(0, color="grey", lw=0.6)
    ax.axvline(1.96, color="grey", lw=0.5, ls=":")
    ax.axvline(-1.96, color="grey", lw=0.5, ls=":")
    ax.set_xlabel(f"z-score (log-odds, informative prior): <- {name_b[:30]}   |   {name_a[:30]} ->", fontsize=8)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def label_curve(path: Path, d: dict, title: str) -> Path:
    """Held-out probe accuracy per layer with its 95% band, permuted labels, bag-of-words and the majority class."""
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(7.2, 3.6))
    layers = d["layers"]
    ax.fill_between(layers, d["ci_low"], d["ci_high"], alpha=0.25, color="tab:blue")
    ax.plot(layers, d["accuracy"], marker="o", color="tab:blue", label="probe on the label (95% CI)")
    ax.axhline(d["permuted"], linestyle="--", color="tab:orange", label="permuted labels (best layer)")
    ax.axhspan(d["lexical_low"], d["lexical_high"], color="tab:brown", alpha=0.12)
    ax.axhline(d["lexical"], color="tab:brown", label="words alone (bag of words)")
    ax.axhline(d["majority"], color="grey", linestyle=":", label="majority class")
    ax.axvline(d["best_layer"], color="tab:green", alpha=0.4, label=f"best layer {d['best_layer']}")
    ax.set_xlabel("layer (0 = embeddings)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("held-out accuracy")
    ax.set_ylim(0, 1.02)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
