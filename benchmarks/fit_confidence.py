"""Refit the `confidence` tool's calibration: logistic regression (standardised features) on the train
split of `data/calibration.tsv`, evaluated on the frozen test split.

    .venv/bin/python -m benchmarks.fit_confidence                 # the default model: writes the shipped file
    .venv/bin/python -m benchmarks.fit_confidence --model FOLDER   # another model: writes to the cache
"""

from __future__ import annotations

import argparse
import json
from importlib.resources import files
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from benchmarks.calibration_data import features, load_rows
from talkscope.tools.calibration import SHIPPED, Calibrator, refit_path
from talkscope.tools.loading import load_model
from talkscope.tools.uncertainty_features import FEATURES


def fit(xs: np.ndarray, ys: np.ndarray, model_name: str) -> Calibrator:
    scaler = StandardScaler().fit(xs)
    lr = LogisticRegression(C=1.0, max_iter=1000).fit(scaler.transform(xs), ys)
    return Calibrator(FEATURES, scaler.mean_.tolist(), scaler.scale_.tolist(), lr.coef_[0].tolist(),
                      float(lr.intercept_[0]), model_name, int(len(ys)))


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
