"""The table tools measured, in one run:

1. per demo table, the EBM's held-out score beside a logistic regression and a gradient-boosted model (scikit-learn)
   on the same seeded split;
2. the agreement of the EBM's local explanations with SHAP (Spearman over features, per row; median over rows);
3. the time of every table operation on a 100,000-row table made from the penguins demo (rows resampled, numbers
   jittered), with the fit and the cross-fit timed apart;
4. peak memory when a 1,000,000-row table of the same kind is read, filtered and predicted with that model.

    .venv/bin/python -m benchmarks.dataset_tabular [--rows 100000] [--million]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from benchmarks.common import machine
from talkscope.tools.base import ToolContext, get_tool
from talkscope.tools.engine.drawing import wait_for_figures
from talkscope.tools.engine.table import analysis
from talkscope.tools.engine.table.fit import metrics, split
from talkscope.tools.engine.table.state import TableState

OPERATIONS = [
    ("describe", {"feature": "body_mass_g", "filter": "island == 'Biscoe'"}),
    ("filter", {"filter": "body mass over 5000 and sex is female"}),
    ("show", {"filter": "bill_length_mm > 50", "n": 10}),
    ("count", {"filter": "sex == 'female' and flipper_length_mm > 200"}),
    ("labels", {"filter": "island == 'Dream'"}),
    ("predict", {"filter": "island == 'Torgersen'"}),
    ("likelihood", {"row": 12}),
    ("what_if", {"filter": "island == 'Dream'", "change": "body_mass_g + 500"}),
    ("importance", {}),
    ("interactions", {}),
    ("explain", {"row": 12}),
    ("score", {}),
    ("mistakes", {}),
    ("counterfactual", {"row": 12}),
]


def baselines(name: str) -> dict[str, float]:
    """Held-out score of the EBM, a logistic regression and a gradient-boosted model on the same split."""
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    state = TableState(name)
    t = state.table
    train, test = split(t)
    cat = [f for f in t.features if t.schema.columns[f].kind != "numeric"]
    num = [f for f in t.features if f not in cat]
    prep = make_column_transformer(
        (make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num),
        (make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")), cat))
    cls = t.schema.task == "classification"
    X = t.X.copy()  # noqa: N806
    for c in cat:
        X[c] = X[c].astype(object).where(X[c].notna(), np.nan)
    linear = make_pipeline(prep, LogisticRegression(max_iter=2000) if cls else Ridge())
    gbm = (HistGradientBoostingClassifier if cls else HistGradientBoostingRegressor)(
        random_state=0, categorical_features="from_dtype")
    Xg = X.copy()  # noqa: N806
    for c in cat:
        Xg[c] = Xg[c].astype("category")
    key = "accuracy" if cls else "r2"
    out = {"ebm": state.fitted().held_out[key]}
    for label, model, data in (("linear", linear, X), ("gbm", gbm, Xg)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(data.iloc[train], t.y.iloc[train])
            pred = model.predict(data.iloc[test])
        out[label] = metrics(t.schema.task, t.y.iloc[test].to_numpy(), pred, None, list(t.schema.classes))[key]
    return out


def shap_agreement(name: str, rows: int = 30) -> tuple[float, float]:
    """(median, 10th percentile) over rows of the Spearman correlation between the EBM's own per-feature
    contributions and SHAP values."""
    from scipy.stats import spearmanr

    state = TableState(name)
    fitted, t = state.fitted(), state.table
    background = t.frame.sample(min(100, len(t.frame)), random_state=0)
    rhos = []
    for row in np.random.default_rng(0).choice(len(t.frame), size=rows, replace=False):
        x = t.frame.iloc[[int(row)]]
        pred = fitted.predict(x)[0]
        cls = fitted.classes.index(str(pred)) if len(fitted.classes) > 2 else None
        terms, contrib, _ = analysis.contributions(fitted, x, cls if cls is not None else 0)
        own = analysis.per_feature(terms, contrib[0], fitted.features)
        theirs = analysis.shap_values(fitted, background, x, cls)
        rhos.append(float(spearmanr(own, theirs).statistic))
    return float(np.median(rhos)), float(np.percentile(rhos, 10))


def synthetic(rows: int, folder: Path) -> Path:
    """Penguins resampled to `rows` rows, numbers jittered by 2% of their spread (species kept)."""
    from talkscope.tools.engine.table.frame import load_table

    frame = load_table("penguins").frame
    rng = np.random.default_rng(0)
    big = frame.sample(rows, replace=True, random_state=0).reset_index(drop=True)
    for c in ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"):
        big[c] = big[c] + rng.normal(0, 0.02 * frame[c].std(), rows)
    path = folder / f"penguins-{rows}.csv"
    big.to_csv(path, index=False)
    return path


def operations(path: Path, folder: Path) -> list[tuple[str, float]]:
    state = TableState(str(path), "species", cache_dir=folder / "cache")
    ctx = ToolContext(out_dir=folder / "out", table_state=state)
    out = []
    start = time.perf_counter()
    _ = state.table
    out.append(("read and type the table", time.perf_counter() - start))
    start = time.perf_counter()
    state.fitted()
    out.append(("fit the EBM (once; cached)", time.perf_counter() - start))
    start = time.perf_counter()
    state.cross_fitted()
    out.append(("cross-fit, 5 folds (once; cached; for score and mistakes)", time.perf_counter() - start))
    for tool, args in OPERATIONS:
        start = time.perf_counter()
        get_tool(tool)(ctx, args)
        out.append((tool, time.perf_counter() - start))
    return out


def million(path_100k: Path, folder: Path, rows: int) -> tuple[float, float]:
    """(seconds, peak RSS in GB) to read a `rows`-row table, count a filter and predict it with the 100k model."""
    import joblib

    big = synthetic(rows, folder)
    cached = next((folder / "cache").glob("ebm-*.joblib"))
    fitted = joblib.load(cached)
    start = time.perf_counter()
    state = TableState(str(big), "species")
    state._fitted = fitted  # the 100k model: this measures reading, filtering and predicting, not fitting
    sel = state.select("sex == 'female' and body_mass_g > 4000")
    fitted.predict(state.table.frame.loc[sel.ids])
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    return seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--million", action="store_true", help="also measure memory at 1,000,000 rows")
    args = parser.parse_args()
    print(f"# table tools · {machine()}\n")
    print("## held-out score on the same split (accuracy; R2 for diabetes)\n")
    print("| table | EBM | logistic / ridge | gradient boosting |\n|---|---|---|---|")
    for name in ("penguins", "breast_cancer", "diabetes"):
        s = baselines(name)
        print(f"| {name} | {s['ebm']:.3f} | {s['linear']:.3f} | {s['gbm']:.3f} |")
    print("\n## EBM local explanations vs SHAP (Spearman over features, 30 rows)\n")
    print("| table | median | 10th percentile |\n|---|---|---|")
    for name in ("penguins", "breast_cancer", "diabetes"):
        med, p10 = shap_agreement(name)
        print(f"| {name} | {med:.3f} | {p10:.3f} |")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = synthetic(args.rows, folder)
        print(f"\n## time of each operation on {args.rows:,} rows (penguins resampled)\n")
        print("| operation | seconds |\n|---|---|", flush=True)
        for name, seconds in operations(path, folder):
            print(f"| {name} | {seconds:.2f} |", flush=True)
        wait_for_figures()
        if args.million:
            seconds, peak = million(path, folder, 1_000_000)
            print(f"\n1,000,000 rows: read, filter and predict in {seconds:.1f} s; peak RSS of this process "
                  f"{peak:.2f} GB (whole run)")


if __name__ == "__main__":
    main()
