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


def trace_heatmap(path: Path, d: dict, title: str) -> Path:
    """Causal tracing: recovered answer probability per (token, layer), subject tokens starred; as in the paper,
    tokens down the side and layers along the bottom."""
    import numpy as np

    grid = np.array(d["effects"]).T  # [position, layer]
    tokens = [(t.replace("\n", "\\n").strip() or "␣") + ("*" if i in d["subject_positions"] else "")
              for i, t in enumerate(d["tokens"])]
    fig, ax = plt.subplots(figsize=(min(12.0, 2.5 + 0.32 * len(d["layers"])), 0.9 + 0.3 * len(tokens)))
    cmap = {"state": "Purples", "mlp": "Greens", "attn": "Reds"}[d["kind"]]
    image = ax.imshow(grid, aspect="auto", cmap=cmap, vmin=min(d["corrupted"], float(grid.min())))
    ax.set_yticks(range(len(tokens)), tokens, fontsize=8)
    ax.set_xticks(range(len(d["layers"])), d["layers"], fontsize=7)
    ax.set_xlabel(f"layer (of {d['n_layers']})" + (f", window of {d['window']}" if d["window"] > 1 else ""))
    ax.set_title(f"{title}\nclean p = {d['clean']:.3f}, corrupted p = {d['corrupted']:.3f} (* subject)", fontsize=9)
    fig.colorbar(image, ax=ax, fraction=0.03, pad=0.01, label=f"p({d['answer'].strip()})")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def competence_bars(path: Path, candidates: Sequence[dict], title: str) -> Path:
    """Each candidate's log-probability as the continuation (direct) and as the answer asked for in words."""
    import numpy as np

    names = [c["text"] for c in candidates]
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(1.6 + 1.2 * len(names), 3.2))
    ax.bar(x - 0.2, [c["logprob"] for c in candidates], 0.4, label="direct: log p(candidate | prompt)")
    ax.bar(x + 0.2, [c["meta_logprob"] for c in candidates], 0.4, label="asked in words", color="tab:orange")
    ax.set_xticks(x, names, fontsize=8)
    ax.set_ylabel("log-probability (nats)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def suite_bars(path: Path, rows: Sequence[dict], title: str) -> Path:
    """Accuracy per minimal-pair suite, direct against asked in words, with 95% Wilson intervals."""
    import numpy as np

    x = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(2.0 + 0.9 * len(rows), 3.6))
    for shift, key, label, colour in ((-0.2, "direct", "direct (log-probabilities)", "tab:blue"),
                                      (0.2, "meta", "asked in words", "tab:orange")):
        acc = np.array([r[f"{key}_accuracy"] for r in rows])
        ci = np.array([r[f"{key}_ci"] for r in rows])
        ax.bar(x + shift, acc, 0.4, yerr=[acc - ci[:, 0], ci[:, 1] - acc], capsize=2, label=label, color=colour)
    ax.axhline(0.5, color="grey", linestyle=":", label="chance")
    ax.set_xticks(x, [r["suite"].replace("_", "\n") for r in rows], fontsize=7)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("accuracy")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def region_heatmap(path: Path, by_module: dict, n_layers: int, title: str) -> Path:
    """Where a region lies: the share of each matrix (module type x layer) that belongs to it."""
    import numpy as np

    kinds = list(by_module)
    grid = np.array([by_module[k] for k in kinds])
    fig, ax = plt.subplots(figsize=(min(12.0, 2.8 + 0.35 * n_layers), 0.9 + 0.3 * len(kinds)))
    image = ax.imshow(grid, aspect="auto", cmap="magma_r")
    ax.set_yticks(range(len(kinds)), kinds, fontsize=7)
    ax.set_xticks(range(n_layers), range(1, n_layers + 1), fontsize=7)
    ax.set_xlabel(f"block (of {n_layers})")
    ax.set_title(title, fontsize=9)
    fig.colorbar(image, ax=ax, fraction=0.03, pad=0.01, label="share of the matrix in the region")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def importance_bars(path: Path, names: Sequence[str], scores: Sequence[float], lows: Sequence[float],
                    highs: Sequence[float], title: str) -> Path:
    """Horizontal bars, largest on top, with 95% interval whiskers."""
    n = len(names)
    fig, ax = plt.subplots(figsize=(6.4, 0.32 * n + 1.0))
    y = list(range(n))[::-1]
    err = [[s - lo for s, lo in zip(scores, lows)], [hi - s for s, hi in zip(scores, highs)]]
    ax.barh(y, scores, xerr=err, color="#4c78a8", capsize=2)
    ax.set_yticks(y, [str(x)[:32] for x in names], fontsize=8)
    ax.set_xlabel("mean |contribution| (95% bootstrap interval)", fontsize=8)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def waterfall(path: Path, start: float, names: Sequence[str], values: Sequence[float], title: str,
              unit: str) -> Path:
    """A local explanation: from the intercept, each term's contribution in turn, to the row's score."""
    fig, ax = plt.subplots(figsize=(6.4, 0.32 * len(names) + 1.2))
    level = start
    for i, v in enumerate(values):
        ax.barh(-i, v, left=level, color="#d62728" if v > 0 else "#1f77b4")
        ax.text(level + v, -i, f" {v:+.2f}", va="center", ha="left" if v > 0 else "right", fontsize=7)
        level += v
    ax.axvline(start, color="grey", lw=0.8, ls=":")
    ax.axvline(level, color="black", lw=0.8)
    ax.set_yticks([-i for i in range(len(names))], [str(n)[:32] for n in names], fontsize=8)
    ax.set_xlabel(f"{unit} (dotted: intercept {start:.2f}; solid: this row {level:.2f})", fontsize=8)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def shape_function(path: Path, feature: str, xs: Sequence, ys: Sequence[float], values: Sequence, title: str,
                   numeric: bool) -> Path:
    """An EBM's shape function of one feature above the feature's distribution."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 4.2), sharex=numeric, height_ratios=(2, 1))
    if numeric:
        top.step(xs, ys, where="post", color="#4c78a8")
        bottom.hist([float(v) for v in values], bins=30, color="#bbbbbb")
    else:
        top.bar([str(x) for x in xs], ys, color="#4c78a8")
        labels, counts = zip(*sorted({str(v): sum(str(w) == str(v) for w in values) for v in values}.items()))
        bottom.bar(labels, counts, color="#bbbbbb")
    top.axhline(0, color="grey", lw=0.6)
    top.set_ylabel("contribution", fontsize=8)
    bottom.set_ylabel("rows", fontsize=8)
    bottom.set_xlabel(feature, fontsize=8)
    top.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
