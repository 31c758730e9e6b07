"""Refit the `confidence` tool's calibration on the train split of `data/calibration.tsv`: a logistic
regression (standardised features, C=1), then an isotonic map fitted on its 5-fold out-of-fold outputs.
That design won a 5-fold cross-validated log-loss comparison on the train split alone (against logistic
regression alone, sigmoid recalibration, C in 0.1/1/10 and smaller feature sets); the frozen test split
is only read by `confidence_eval.py`.

    .venv/bin/python -m benchmarks.fit_confidence                 # the default model: writes the shipped file
    .venv/bin/python -m benchmarks.fit_confidence --model FOLDER   # another model: writes to the cache
"""

from __future__ import annotations

import argparse
import json
from importlib.resources import files
from pathlib import Path

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from benchmarks.calibration_data import features, load_rows
from talkscope.tools.engine.calibration import SHIPPED, Calibrator, refit_path
from talkscope.tools.engine.loading import load_model
from talkscope.tools.engine.uncertainty_features import FEATURES


def fit(xs: np.ndarray, ys: np.ndarray, model_name: str) -> Calibrator:
    pipe = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    out_of_fold = cross_val_predict(pipe, xs, ys, cv=folds, method="predict_proba")[:, 1]
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(out_of_fold, ys)
    pipe.fit(xs, ys)
    scaler, lr = pipe[0], pipe[1]
    return Calibrator(FEATURES, scaler.mean_.tolist(), scaler.scale_.tolist(), lr.coef_[0].tolist(),
                      float(lr.intercept_[0]), iso.X_thresholds_.tolist(), iso.y_thresholds_.tolist(),
                      model_name, int(len(ys)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="default")
    args = ap.parse_args()
    model = load_model(args.model)
    rows = load_rows()
    measured = features(model, rows)
    train = [(f, c) for (f, c), r in zip(measured, rows) if r["split"] == "train"]
    cal = fit(np.array([f.vector() for f, _ in train]), np.array([c for _, c in train]), model.name)
    out = (Path(str(files("talkscope.tools").joinpath(SHIPPED))) if args.model == "default"
           else refit_path(model.name))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(cal.to_json(), indent=2) + "\n")
    print(f"fitted on {len(train)} prompts ({sum(c for _, c in train)} answered correctly) -> {out}")


if __name__ == "__main__":
    main()
