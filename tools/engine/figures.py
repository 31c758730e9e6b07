"""Figures as PNG files (matplotlib, no display needed). Computing and rendering stay apart: these
functions only draw numbers that a tool already computed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import TwoSlopeNorm  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402


def token_heatmap(path: Path, tokens: Sequence[str], scores: Sequence[float], title: str,
                  exclude: Sequence[bool] = ()) -> Path:
    """Tokens as a row of coloured cells (red drives the target up, blue down); excluded tokens grey."""
    shown = [s for s, x in zip(scores, exclude or [False] * len(scores)) if not x] or [0.0]
    lim = max(1e-9, max(abs(s) for s in shown))
    per_row = 12
    n_rows = (len(tokens) + per_row - 1) // per_row
    fig, ax = plt.subplots(figsize=(min(per_row, len(tokens)) * 1.1 + 0.6, 0.75 * n_rows + 0.9))
    cmap, norm = plt.get_cmap("RdBu_r"), TwoSlopeNorm(0.0, -lim, lim)
    for i, (tok, s) in enumerate(zip(tokens, scores)):
        r, c = divmod(i, per_row)
        grey = bool(exclude) and exclude[i]
        ax.add_patch(plt.Rectangle((c, -r), 1, 0.9, color="#dddddd" if grey else cmap(norm(s))))
        label = tok.replace("\n", "\\n").replace(" ", "␣")
        ink = "white" if not grey and abs(s) > 0.6 * lim else "black"
        ax.text(c + 0.5, -r + 0.55, label[:10], ha="center", va="center", fontsize=8, color=ink)
        ax.text(c + 0.5, -r + 0.2, f"{s:+.2f}", ha="center", va="center", fontsize=6, color=ink)
    ax.set_xlim(0, min(per_row, len(tokens)))
    ax.set_ylim(-n_rows + 0.9, 0.9)
    ax.axis("off")
    ax.set_title(title, fontsize=9)
    fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, fraction=0.03, pad=0.01)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def layer_table(path: Path, layers: Sequence[int], texts: Sequence[str], probs: Sequence[float],
                title: str) -> Path:
    """One row per layer: the decoded text, shaded by its (first-token) probability."""
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(layers) + 0.9))
    cmap = plt.get_cmap("Greens")
    for r, (layer, text, p) in enumerate(zip(layers, texts, probs)):
        y = len(layers) - 1 - r
        ax.add_patch(plt.Rectangle((0, y), 1, 0.9, color=cmap(0.15 + 0.85 * float(p))))
        label = text.replace("\n", "\\n").strip()[:60] or "(nothing)"
        ax.text(0.01, y + 0.45, f"{label}", va="center", fontsize=8, color="white" if p > 0.6 else "black")
        ax.text(1.01, y + 0.45, f"{p:.2f}", va="center", fontsize=7)
        ax.text(-0.01, y + 0.45, f"layer {layer}", va="center", ha="right", fontsize=7)
    ax.set_xlim(-0.12, 1.08)
    ax.set_ylim(0, len(layers))
    ax.axis("off")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def accuracy_curve(path: Path, d: dict, title: str) -> Path:
    """Probe accuracy by layer: held-out groups and stratified folds with their 95% bands, the control task,
    permuted labels, the lexical baseline (with its band) and the majority class."""
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    layers = d["layers"]
    ax.fill_between(layers, d["grouped_ci_low"], d["grouped_ci_high"], alpha=0.25, color="tab:blue")
    ax.plot(layers, d["grouped_accuracy"], marker="o", color="tab:blue", label="probe, held-out groups (95% CI)")
    ax.fill_between(layers, d["ci_low"], d["ci_high"], alpha=0.15, color="tab:purple")
    ax.plot(layers, d["accuracy"], marker=".", color="tab:purple", alpha=0.8, label="probe, stratified folds")
    ax.plot(layers, d["control_task_accuracy"], linestyle="--", color="tab:red", label="control task (label per group)")
    ax.plot(layers, d["control_accuracy"], linestyle="--", color="tab:orange", label="permuted labels")
    ax.axhspan(d["lexical_ci_low"], d["lexical_ci_high"], color="tab:brown", alpha=0.12)
    ax.axhline(d["lexical_baseline"], color="tab:brown", label="words alone (bag of words), held-out groups")
    ax.axhline(d["majority_baseline"], color="grey", linestyle=":", label="majority baseline")
    ax.axvline(d["best_layer"], color="tab:green", alpha=0.4, label=f"best layer {d['best_layer']}")
    ax.set_xlabel(f"layer (0 = embeddings, {d['n_layers']} = last block)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # layers are whole numbers
    ax.set_ylabel("held-out accuracy")
    ax.set_ylim(0, 1.02)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=6.5, loc="lower right", ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
