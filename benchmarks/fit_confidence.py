"""Refit the `confidence` tool's calibration on the train split of `data/calibration.tsv`: a logistic
regression over standardised answer features, then a monotone map (isotonic or sigmoid, or none) fitted on
its 5-fold out-of-fold outputs, and the calibration domains with their out-of-domain threshold.

The design (feature set, regulariser C, map) is chosen here, on the train split alone, by the mean of two
cross-validated log losses: 5-fold stratified by prompt, and leave-one-domain-out (each top-level domain's
train rows predicted by a fit on the other domains' train rows). The frozen test split is only read by
`confidence_eval.py`.

Out of domain: every prompt is embedded with the packaged sentence embedder; each domain (e.g.
"geography/capital") is the unit mean of its train prompts' embeddings. A prompt's nearest-domain similarity
is its largest cosine to those centroids. The threshold is the one that best separates, on the train split,
prompts of a seen domain (their own domain's centroid built without them) from prompts of a domain never seen
(their whole top-level domain's centroids left out): the largest (share above among seen) + (share below among
unseen).

    .venv/bin/python -m benchmarks.fit_confidence                 # the default model: writes the shipped file
    .venv/bin/python -m benchmarks.fit_confidence --model FOLDER   # another model: writes to the cache
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from talkscope.tools.engine.cachefile import atomic_write_text
from talkscope.tools.engine.calibration import SHIPPED, Calibrator, refit_path
from talkscope.tools.engine.uncertainty_features import EXTRA_FEATURES, FEATURES, AnswerFeatures

OLD_DESIGN = {"features": list(FEATURES), "C": 1.0, "map": "isotonic"}  # the 2026-11-23 fit
FEATURE_SETS = {"5 base": FEATURES, "base + cluster counts": FEATURES + ("top_share", "n_clusters"),
                "base + answer form": FEATURES + ("answer_words", "numeric_answer"),
                "base + all extras": FEATURES + EXTRA_FEATURES}
CS = (0.1, 1.0, 10.0)
MAPS = ("none", "sigmoid", "isotonic")
FOLDS = 5
CLIP = 1e-3  # log loss is taken on probabilities clipped to [0.001, 0.999] (isotonic maps reach 0 and 1)
BINS = 10
SIGMOID_GRID = 201


# ---------------------------------------------------------------------------------------------- the score


ALL = FEATURES + EXTRA_FEATURES


def design_features(design: dict[str, Any]) -> tuple[str, ...]:
    return tuple(design.get("features", FEATURES))


def values(feats: Sequence[AnswerFeatures]) -> np.ndarray:
    """[rows, ALL]: every feature of every row, computed once (the fits below pick their columns)."""
    return np.array([f.vector(ALL) for f in feats], dtype=float)


def _columns(names: Sequence[str]) -> list[int]:
    return [ALL.index(n) for n in names]


def _pipe(c: float):
    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=5000))


def _map(raw: np.ndarray, ys: np.ndarray, kind: str) -> tuple[list[float], list[float]]:
    """Piecewise-linear map from the regression's output to a probability."""
    if kind == "none" or ys.min() == ys.max():
        return [0.0, 1.0], [0.0, 1.0]
    if kind == "isotonic":
        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, ys)
        return iso.X_thresholds_.tolist(), iso.y_thresholds_.tolist()
    if kind == "sigmoid":  # Platt scaling of the regression's logit, tabulated
        def logit(p: np.ndarray) -> np.ndarray:
            p = np.clip(p, 1e-6, 1 - 1e-6)
            return np.log(p / (1 - p))

        platt = LogisticRegression(C=1e6, max_iter=5000).fit(logit(raw)[:, None], ys)
        grid = np.linspace(0.0, 1.0, SIGMOID_GRID)
        return grid.tolist(), platt.predict_proba(logit(grid)[:, None])[:, 1].tolist()
    raise ValueError(f"unknown map {kind!r}")


def fit(xs_all: np.ndarray, ys: np.ndarray, design: dict[str, Any], model_name: str) -> Calibrator:
    """The regression on all the given rows ([rows, ALL] values) and the map on its out-of-fold outputs."""
    names = design_features(design)
    xs = xs_all[:, _columns(names)]
    pipe = _pipe(design["C"])
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=0)
    if design["map"] != "none" and min(ys.sum(), len(ys) - ys.sum()) >= FOLDS:
        out_of_fold = cross_val_predict(pipe, xs, ys, cv=folds, method="predict_proba")[:, 1]
        map_x, map_y = _map(out_of_fold, ys, design["map"])
    else:
        map_x, map_y = [0.0, 1.0], [0.0, 1.0]
    pipe.fit(xs, ys)
    scaler, lr = pipe[0], pipe[1]
    return Calibrator(names, scaler.mean_.tolist(), scaler.scale_.tolist(), lr.coef_[0].tolist(),
                      float(lr.intercept_[0]), map_x, map_y, model_name, int(len(ys)))


def scores(cal: Calibrator, xs_all: np.ndarray) -> np.ndarray:
    """Calibrator.score for every row, vectorised (the same arithmetic)."""
    xs = xs_all[:, _columns(cal.features)]
    z = cal.intercept + ((xs - np.array(cal.mean)) / np.array(cal.scale)) @ np.array(cal.coef)
    return np.interp(1.0 / (1.0 + np.exp(-np.clip(z, -700, 700))), cal.iso_x, cal.iso_y)


def ece(p: np.ndarray, y: np.ndarray) -> float:
    idx = np.minimum((p * BINS).astype(int), BINS - 1)
    return float(sum(abs(p[idx == b].mean() - y[idx == b].mean()) * (idx == b).mean()
                     for b in range(BINS) if (idx == b).any()))


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, CLIP, 1 - CLIP)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def by_prompt_cv(xs: np.ndarray, ys: np.ndarray, design: dict[str, Any]) -> np.ndarray:
    """Out-of-fold predictions, 5 folds stratified by the label."""
    out = np.zeros(len(ys))
    for tr, te in StratifiedKFold(FOLDS, shuffle=True, random_state=1).split(xs, ys):
        out[te] = scores(fit(xs[tr], ys[tr], design, "cv"), xs[te])
    return out


def by_domain_cv(xs: np.ndarray, ys: np.ndarray, groups: Sequence[str], design: dict[str, Any]) -> np.ndarray:
    """Each top-level domain's rows predicted by a fit on the other domains' rows."""
    groups = np.asarray(groups)
    out = np.zeros(len(ys))
    for g in sorted(set(groups)):
        tr, te = np.flatnonzero(groups != g), np.flatnonzero(groups == g)
        out[te] = scores(fit(xs[tr], ys[tr], design, "cv"), xs[te])
    return out


def candidates() -> list[dict[str, Any]]:
    return [{"features": list(names), "feature_set": label, "C": c, "map": m}
            for (label, names), c, m in itertools.product(FEATURE_SETS.items(), CS, MAPS)]


def choose(xs: np.ndarray, ys: np.ndarray, groups: Sequence[str]) -> tuple[dict, list[dict]]:
    """Every candidate design's cross-validated log loss and ECE on the train split; the best by the mean of
    the two log losses."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # many tiny fits: threads only add overhead
        table = [cv_row(xs, ys, groups, design) for design in candidates()]
    best = min(table, key=lambda r: r["cv_log_loss_by_prompt"] + r["cv_log_loss_by_domain"])
    return {k: best[k] for k in ("features", "feature_set", "C", "map")}, table


def cv_row(xs: np.ndarray, ys: np.ndarray, groups: Sequence[str], design: dict[str, Any]) -> dict[str, Any]:
    """One design's cross-validated log loss and ECE, by prompt and by domain."""
    p_prompt = by_prompt_cv(xs, ys, design)
    p_domain = by_domain_cv(xs, ys, groups, design)
    return {**design, "cv_log_loss_by_prompt": round(log_loss(p_prompt, ys), 4),
            "cv_log_loss_by_domain": round(log_loss(p_domain, ys), 4),
            "cv_ece_by_prompt": round(ece(p_prompt, ys), 4), "cv_ece_by_domain": round(ece(p_domain, ys), 4)}


# ------------------------------------------------------------------------------------------------ domains


def embed_prompts(prompts: Sequence[str]) -> dict[str, np.ndarray]:
    """Unit sentence embeddings of the distinct prompts, by the same call the `confidence` tool makes."""
    from talkscope.retrieval.embed import embed

    unique = list(dict.fromkeys(prompts))
    return dict(zip(unique, np.asarray(embed(unique), dtype=np.float64)))


def centroids(vecs: np.ndarray, labels: Sequence[str]) -> tuple[list[str], np.ndarray]:
    labels = np.asarray(labels)
    names = sorted(set(labels))
    cents = np.stack([vecs[labels == d].mean(0) for d in names])
    return names, cents / np.linalg.norm(cents, axis=1, keepdims=True)


def seen_and_unseen(vecs: np.ndarray, domains: Sequence[str], groups: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Nearest-domain similarity of each row (a) as a prompt of a seen domain: its own domain's centroid built
    without it; (b) as a prompt of an unseen domain: the centroids of its whole top-level domain left out."""
    domains, groups = np.asarray(domains), np.asarray(groups)
    names, cents = centroids(vecs, domains)
    sums = {d: vecs[domains == d].sum(0) for d in names}
    seen, unseen = np.zeros(len(vecs)), np.zeros(len(vecs))
    for i, v in enumerate(vecs):
        sims = cents @ v
        own = names.index(domains[i])
        rest = sums[domains[i]] - v
        sims[own] = (rest @ v) / np.linalg.norm(rest) if np.linalg.norm(rest) > 0 else -1.0
        seen[i] = sims.max()
        others = [k for k, d in enumerate(names) if not d.startswith(groups[i] + "/")]
        unseen[i] = (cents[others] @ v).max()
    return seen, unseen


def choose_threshold(seen: np.ndarray, unseen: np.ndarray) -> float:
    """The similarity that best separates seen from unseen domains (largest Youden J), rounded to 0.01."""
    grid = np.round(np.arange(0.0, 1.0, 0.01), 2)
    j = [(seen >= t).mean() + (unseen < t).mean() for t in grid]
    return float(grid[int(np.argmax(j))])


def domain_map(train: list[dict[str, str]], emb: dict[str, np.ndarray]) -> dict[str, Any]:
    vecs = np.stack([emb[r["prompt"]] for r in train])
    domains, groups = [r["domain"] for r in train], [r["group"] for r in train]
    seen, unseen = seen_and_unseen(vecs, domains, groups)
    threshold = choose_threshold(seen, unseen)
    names, cents = centroids(vecs, domains)
    return {"domains": tuple(names), "centroids": tuple(tuple(round(float(x), 4) for x in c) for c in cents),
            "domain_threshold": threshold,
            "train_in_domain_seen": round(float((seen >= threshold).mean()), 4),
            "train_out_of_domain_unseen": round(float((unseen < threshold).mean()), 4)}


# ------------------------------------------------------------------------------------------------- output


def calibration_text(cal: Calibrator) -> str:
    """The calibration as JSON, indented, with each centroid on one line."""
    raw = cal.to_json()
    cents = raw.pop("centroids", None)
    text = json.dumps(raw, indent=2, ensure_ascii=False)
    if cents is None:
        return text + "\n"
    rows = ",\n".join("    " + json.dumps(c) for c in cents)
    return text[:-2] + ',\n  "centroids": [\n' + rows + "\n  ]\n}\n"


def main() -> None:
    from benchmarks.calibration_data import features, load_rows
    from talkscope.tools.engine.loading import load_model

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="default")
    args = ap.parse_args()
    model = load_model(args.model)
    rows = load_rows()
    measured = features(model, rows)
    train = [(f, c, r) for (f, c), r in zip(measured, rows) if r["split"] == "train"]
    xs = values([f for f, _, _ in train])
    ys = np.array([c for _, c, _ in train], dtype=float)
    groups = [r["group"] for _, _, r in train]
    design, table = choose(xs, ys, groups)
    for row in sorted(table, key=lambda r: r["cv_log_loss_by_prompt"] + r["cv_log_loss_by_domain"])[:8]:
        print({k: row[k] for k in ("feature_set", "C", "map", "cv_log_loss_by_prompt", "cv_log_loss_by_domain",
                                   "cv_ece_by_prompt", "cv_ece_by_domain")})
    old = next(r for r in table if r["feature_set"] == "5 base" and r["C"] == 1.0 and r["map"] == "isotonic")
    new = next(r for r in table if all(r[k] == design[k] for k in design))
    cal = fit(xs, ys, design, model.name)
    dom = domain_map([r for _, _, r in train], embed_prompts([r["prompt"] for _, _, r in train]))
    record = {**design, "chosen_by": "mean of 5-fold and leave-one-domain-out cross-validated log loss "
              f"(clipped at {CLIP}) on the train split", "cv": {k: new[k] for k in new if k.startswith("cv_")},
              "cv_old_design": {k: old[k] for k in old if k.startswith("cv_")},
              "threshold_chosen_by": "largest Youden J between seen-domain (leave-one-out centroid) and "
              "unseen-domain (leave-one-top-level-domain-out) train prompts",
              "train_in_domain_seen": dom.pop("train_in_domain_seen"),
              "train_out_of_domain_unseen": dom.pop("train_out_of_domain_unseen")}
    cal = Calibrator(cal.features, cal.mean, cal.scale, cal.coef, cal.intercept, cal.iso_x, cal.iso_y,
                     cal.fitted_on, cal.n_train, dom["domains"], dom["centroids"], dom["domain_threshold"], record)
    out = (Path(str(files("talkscope.tools").joinpath(SHIPPED))) if args.model == "default"
           else refit_path(model.name))
    atomic_write_text(out, calibration_text(cal), "the calibration")
    print(f"chosen: {design}; out-of-domain below similarity {cal.domain_threshold} "
          f"({record['train_in_domain_seen']:.0%} of seen-domain and {record['train_out_of_domain_unseen']:.0%} of "
          f"unseen-domain train prompts on the right side)")
    print(f"fitted on {len(ys)} prompts ({int(ys.sum())} answered correctly) -> {out}")


if __name__ == "__main__":
    main()
