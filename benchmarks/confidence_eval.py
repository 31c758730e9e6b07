"""How good is the `confidence` score? AUROC and expected calibration error (10 bins), each with a
bootstrap 95% interval, held out two ways:

- by prompt: the frozen test split of the calibration set, scored by the shipped calibration (fitted on the
  train split); also the calibrated score's parts alone;
- by domain: leave-one-domain-out over the top-level domains (geography, arithmetic, ...): the shipped
  design refitted on the train rows of the other domains scores the held-out domain's test rows, pooled.

And the out-of-domain rule: how many held-out prompts it calls in domain, by prompt and by domain (the
held-out domain's centroids left out too), and the ECE of the prompts it flags and of those it passes.
A reliability diagram for both hold-outs.

Run after fitting: .venv/bin/python -m benchmarks.confidence_eval [--calibration FILE]
(FILE: another calibration JSON to evaluate, e.g. an earlier fit from git history.)
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from benchmarks.calibration_data import features, load_rows
from benchmarks.common import machine
from benchmarks.fit_confidence import BINS, OLD_DESIGN, centroids, ece, embed_prompts, fit, scores, values
from talkscope.tools.engine.calibration import Calibrator, load_calibrator
from talkscope.tools.engine.loading import load_model

FIGURE = Path(__file__).with_name("figures") / "confidence_reliability.png"
RESAMPLES = 2000


def auroc(p: np.ndarray, y: np.ndarray) -> float:
    return float(roc_auc_score(y, p))


def with_interval(metric, p: np.ndarray, y: np.ndarray, n: int = RESAMPLES,
                  clusters: np.ndarray | None = None) -> tuple[float, float, float]:
    """The metric and its bootstrap 95% interval: rows resampled, or whole clusters (domains) when given."""
    rng = np.random.default_rng(0)
    stats = []
    members = None if clusters is None else [np.flatnonzero(clusters == c) for c in np.unique(clusters)]
    for _ in range(n):
        if members is None:
            i = rng.integers(0, len(y), len(y))
        else:
            i = np.concatenate([members[k] for k in rng.integers(0, len(members), len(members))])
        if y[i].min() != y[i].max():
            stats.append(metric(p[i], y[i]))
    return metric(p, y), float(np.percentile(stats, 2.5)), float(np.percentile(stats, 97.5))


def line(name: str, p: np.ndarray, y: np.ndarray, clusters: np.ndarray | None = None) -> str:
    a = with_interval(auroc, p, y, clusters=clusters)
    e = with_interval(ece, p, y, clusters=clusters)
    return f"{name:<54}{a[0]:.3f} [{a[1]:.3f}, {a[2]:.3f}]     {e[0]:.3f} [{e[1]:.3f}, {e[2]:.3f}]"


def header(title: str, y: np.ndarray) -> None:
    print(f"\n{title}: {len(y)} prompts, {int(y.sum())} answered correctly ({y.mean():.2f})")
    print(f"{'score':<54}{'AUROC [95% CI]':<28}{'ECE, 10 bins [95% CI]':<24}")


def reliability(curves: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.8, 4.8))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    for label, (p, y) in curves.items():
        idx = np.minimum((p * BINS).astype(int), BINS - 1)
        used = [b for b in range(BINS) if (idx == b).any()]
        xs, ys = [p[idx == b].mean() for b in used], [y[idx == b].mean() for b in used]
        (handle,) = ax.plot(xs, ys, "o-", label=label)
        for b, x, v in zip(used, xs, ys):
            ax.annotate(str(int((idx == b).sum())), (x, v), fontsize=7, xytext=(3, -9), textcoords="offset points",
                        color=handle.get_color())
    ax.set(xlabel="predicted P(correct)", ylabel="observed accuracy", xlim=(0, 1), ylim=(0, 1),
           title="confidence: held-out reliability (n per bin)")
    ax.legend(loc="upper left", fontsize=8)
    FIGURE.parent.mkdir(exist_ok=True)
    fig.savefig(FIGURE, dpi=120, bbox_inches="tight")
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calibration", type=Path, help="a calibration JSON to evaluate instead of the shipped one")
    ap.add_argument("--no-figure", action="store_true")
    args = ap.parse_args()
    print(machine())
    model = load_model("default")
    rows = load_rows()
    measured = features(model, rows)
    cal = (Calibrator.from_json(json.loads(args.calibration.read_text())) if args.calibration
           else load_calibrator(model.name)[0])
    design = {k: cal.design[k] for k in ("features", "C", "map")} if cal.design else dict(OLD_DESIGN)
    print(f"calibration: {args.calibration or 'shipped'}, fitted on {cal.n_train} prompts; design {design}")
    feats = [f for f, _ in measured]
    xs = values(feats)
    y_all = np.array([c for _, c in measured], dtype=float)
    split = np.array([r["split"] for r in rows])
    groups = np.array([r["group"] for r in rows])
    first = np.arange(len(rows)) < 475  # the 2026-11-23 rows
    test = np.flatnonzero(split == "test")
    print(f"calibration set: {len(rows)} prompts in {len(set(groups))} domains, {int(y_all.sum())} answered "
          f"correctly; train {int((split == 'train').sum())}, test {len(test)}")

    # ---- held out by prompt
    p_prompt = scores(cal, xs[test])
    assert np.allclose(p_prompt, [cal.score(feats[i]) for i in test])  # as the tool scores
    y = y_all[test]
    header("held out by prompt (test split)", y)
    print(line("calibrated score", p_prompt, y))
    print(line("answer probability alone", np.array([feats[i].answer_prob for i in test]), y))
    print(line("sample agreement alone", np.array([feats[i].agreement for i in test]), y))
    print(line("1 - semantic entropy / log2(10)",
               np.array([1 - feats[i].semantic_entropy / math.log2(10) for i in test]), y))
    for name, mask in (("2026-11-23 test prompts", first[test]), ("prompts added 2026-11-29", ~first[test])):
        print(line(f"calibrated score, {name} ({int(mask.sum())})", p_prompt[mask], y[mask]))

    # ---- held out by domain
    p_domain = np.zeros(len(test))
    with threadpool_limits(1):
        for g in sorted(set(groups)):
            train = np.flatnonzero((split == "train") & (groups != g))
            held = groups[test] == g
            refit = fit(xs[train], y_all[train], design, "lodo")
            p_domain[held] = scores(refit, xs[test[held]])
    header("held out by domain (leave one top-level domain out; its test rows, pooled)", y)
    print(line("calibrated score", p_domain, y))
    print(line("calibrated score, domain-cluster bootstrap", p_domain, y, clusters=groups[test]))
    print(f"\n{'held-out domain':<14}{'n':>5}{'accuracy':>10}{'mean score':>12}{'ECE':>8}{'AUROC':>8}")
    for g in sorted(set(groups)):
        m = groups[test] == g
        a = f"{auroc(p_domain[m], y[m]):.3f}" if 0 < y[m].sum() < m.sum() else "-"
        print(f"{g:<14}{int(m.sum()):>5}{y[m].mean():>10.2f}{p_domain[m].mean():>12.2f}"
              f"{ece(p_domain[m], y[m]):>8.3f}{a:>8}")

    # ---- out of domain
    if cal.domains and cal.domain_threshold is not None:
        emb = embed_prompts([r["prompt"] for r in rows])
        vecs = np.stack([emb[r["prompt"]] for r in rows])
        t = cal.domain_threshold
        near = np.array([cal.nearest_domain(vecs[i])["similarity"] for i in test])
        unseen = np.zeros(len(test))
        for g in sorted(set(groups)):
            train = np.flatnonzero((split == "train") & (groups != g))
            _, cents = centroids(vecs[train], [rows[i]["domain"] for i in train])
            held = groups[test] == g
            unseen[held] = (vecs[test[held]] @ cents.T).max(1)
        print(f"\nout-of-domain rule: nearest-domain similarity < {t} (sentence embedding, unit domain centroids)")
        print(f"  held out by prompt: {(near >= t).mean():.1%} of {len(test)} test prompts in domain")
        print(f"  held out by domain: {(unseen < t).mean():.1%} of {len(test)} test prompts flagged out of domain")
        for name, m in (("flagged out of domain", unseen < t), ("passed as in domain", unseen >= t)):
            if m.sum() and 0 < y[m].sum() < m.sum():
                print(line(f"  by-domain calibrated score, {name} ({int(m.sum())})", p_domain[m], y[m]))
    if not args.no_figure:
        reliability({"held out by prompt": (p_prompt, y), "held out by domain": (p_domain, y)})
        print(f"reliability diagram: {FIGURE}")


if __name__ == "__main__":
    main()
