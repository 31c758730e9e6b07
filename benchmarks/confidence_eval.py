"""How good is the `confidence` score? AUROC and expected calibration error (10 bins), each with a
bootstrap 95% interval, on the held-out split of the calibration set, for the calibrated score and for
single features; and a reliability diagram.

Run after fitting: .venv/bin/python -m benchmarks.confidence_eval
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from benchmarks.calibration_data import features, load_rows
from benchmarks.common import machine
from talkscope.tools.engine.calibration import load_calibrator
from talkscope.tools.engine.loading import load_model

BINS = 10
FIGURE = Path(__file__).with_name("figures") / "confidence_reliability.png"


def auroc(p: np.ndarray, y: np.ndarray) -> float:
    return float(roc_auc_score(y, p))


def ece(p: np.ndarray, y: np.ndarray) -> float:
    idx = np.minimum((p * BINS).astype(int), BINS - 1)
    return float(sum(abs(p[idx == b].mean() - y[idx == b].mean()) * (idx == b).mean()
                     for b in range(BINS) if (idx == b).any()))


def with_interval(metric, p: np.ndarray, y: np.ndarray, n: int = 2000) -> tuple[float, float, float]:
    rng = np.random.default_rng(0)
    stats = []
    for _ in range(n):
        i = rng.integers(0, len(y), len(y))
        if y[i].min() != y[i].max():
            stats.append(metric(p[i], y[i]))
    return metric(p, y), float(np.percentile(stats, 2.5)), float(np.percentile(stats, 97.5))


def reliability(p: np.ndarray, y: np.ndarray) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    idx = np.minimum((p * BINS).astype(int), BINS - 1)
    used = [b for b in range(BINS) if (idx == b).any()]
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    ax.plot([p[idx == b].mean() for b in used], [y[idx == b].mean() for b in used], "o-", label="calibrated score")
    for b in used:
        ax.annotate(str(int((idx == b).sum())), (p[idx == b].mean(), y[idx == b].mean()), fontsize=7,
                    xytext=(3, -9), textcoords="offset points")
    ax.set(xlabel="predicted P(correct)", ylabel="observed accuracy", xlim=(0, 1), ylim=(0, 1),
           title="confidence: held-out reliability")
    ax.legend(loc="upper left", fontsize=8)
    FIGURE.parent.mkdir(exist_ok=True)
    fig.savefig(FIGURE, dpi=120, bbox_inches="tight")
    plt.close(fig)


def main() -> None:
    print(machine())
    model = load_model("default")
    rows = load_rows()
    measured = features(model, rows)
    cal, _ = load_calibrator(model.name)
    test = [(f, c) for (f, c), r in zip(measured, rows) if r["split"] == "test"]
    y = np.array([c for _, c in test], dtype=float)
    scores = {"calibrated score": np.array([cal.score(f) for f, _ in test]),
              "answer probability alone": np.array([f.answer_prob for f, _ in test]),
              "sample agreement alone": np.array([f.agreement for f, _ in test]),
              "1 - semantic entropy / max": np.array([1 - f.semantic_entropy / math.log2(10) for f, _ in test])}
    print(f"held-out: {len(y)} prompts, {int(y.sum())} answered correctly ({y.mean():.2f}); "
          f"train: {len(rows) - len(y)} prompts")
    print(f"{'score':<28}{'AUROC [95% CI]':<24}{'ECE [95% CI]':<24}")
    for name, p in scores.items():
        a = with_interval(auroc, p, y)
        e = with_interval(ece, p, y)
        print(f"{name:<28}{a[0]:.3f} [{a[1]:.3f}, {a[2]:.3f}]     {e[0]:.3f} [{e[1]:.3f}, {e[2]:.3f}]")
    reliability(scores["calibrated score"], y)
    print(f"reliability diagram: {FIGURE}")


if __name__ == "__main__":
    main()
