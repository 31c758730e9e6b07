"""The calibrated score of the `confidence` tool: P(answer correct) from a logistic regression over the answer
features followed by a monotone map (isotonic, sigmoid or none, as the fit chose; fitted on the regression's
out-of-fold outputs), both fitted on the calibration set's train split by
`python -m benchmarks.fit_confidence`, which also ships the calibration domains (sentence-embedding
centroids) and the similarity below which a prompt is out of domain.

The parameters fitted on the default model ship in `data/confidence_calibration.json`; a refit for
another model is written to the cache (`<cache>/calibration/<model>.json`) and preferred for that model.
Any other model gets the default model's parameters and a warning saying so. A refit that cannot be read (being
written by a process that does not write atomically, or damaged) is not trusted: the shipped parameters are
used, with a one-line notice and the warning.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from talkscope.tools.engine.cachefile import DAMAGE, describe, notice
from talkscope.tools.engine.loading import cache_root
from talkscope.tools.engine.uncertainty_features import EXTRA_FEATURES, FEATURES, AnswerFeatures

SHIPPED = "data/confidence_calibration.json"


@dataclass(frozen=True)
class Calibrator:
    features: tuple[str, ...]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    iso_x: list[float]  # monotone map: regression output -> probability (piecewise linear)
    iso_y: list[float]
    fitted_on: str  # model name the parameters were fitted on
    n_train: int
    # The calibration domains: a unit centroid of the train prompts' sentence embeddings per domain, and the
    # nearest-domain cosine similarity below which a prompt is out of domain (chosen on the train split).
    domains: tuple[str, ...] = ()
    centroids: tuple[tuple[float, ...], ...] = ()
    domain_threshold: float | None = None
    design: dict[str, Any] = field(default_factory=dict)  # how the parameters were chosen (not used to score)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Calibrator:
        cal = cls(tuple(raw["features"]), raw["mean"], raw["scale"], raw["coef"], raw["intercept"], raw["iso_x"],
                  raw["iso_y"], raw["fitted_on"], raw["n_train"], tuple(raw.get("domains", ())),
                  tuple(tuple(c) for c in raw.get("centroids", ())), raw.get("domain_threshold"),
                  dict(raw.get("design", {})))
        unknown = set(cal.features) - set(FEATURES + EXTRA_FEATURES)
        if unknown or not (len(cal.features) == len(cal.mean) == len(cal.scale) == len(cal.coef)):
            raise ValueError(f"calibration parameters use features {cal.features}, the code measures "
                             f"{FEATURES + EXTRA_FEATURES}")
        if len(cal.domains) != len(cal.centroids):
            raise ValueError("calibration domains and centroids differ in number")
        return cal

    def logistic(self, vector: list[float]) -> float:
        z = self.intercept + sum(c * (x - m) / s for c, x, m, s in zip(self.coef, vector, self.mean, self.scale))
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def score(self, f: AnswerFeatures) -> float:
        return float(np.interp(self.logistic(f.vector(self.features)), self.iso_x, self.iso_y))

    def nearest_domain(self, embedding: Sequence[float]) -> dict[str, Any] | None:
        """{domain, similarity, in_domain, threshold} for a prompt's unit sentence embedding; None when this
        calibration ships no domains (an older refit)."""
        if not self.centroids or self.domain_threshold is None:
            return None
        sims = np.asarray(self.centroids, dtype=np.float64) @ np.asarray(embedding, dtype=np.float64)
        best = int(np.argmax(sims))
        return {"domain": self.domains[best], "similarity": round(float(sims[best]), 4),
                "in_domain": bool(sims[best] >= self.domain_threshold), "threshold": self.domain_threshold}

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "features": list(self.features), "mean": self.mean, "scale": self.scale, "coef": self.coef,
            "intercept": self.intercept, "iso_x": self.iso_x, "iso_y": self.iso_y, "fitted_on": self.fitted_on,
            "n_train": self.n_train}
        if self.domains:
            out |= {"domain_threshold": self.domain_threshold, "domains": list(self.domains),
                    "centroids": [list(c) for c in self.centroids]}
        if self.design:
            out["design"] = self.design
        return out


def refit_path(model_name: str) -> Path:
    return cache_root() / "calibration" / (re.sub(r"[^\w.-]+", "_", model_name) + ".json")


def _refit(model_name: str) -> Calibrator | None:
    """The cached refit for this model, if there and sound. Read without a lock: a writer that replaces the
    file atomically (cachefile.atomic_write_text) can never show a reader half of it."""
    own = refit_path(model_name)
    try:
        return Calibrator.from_json(json.loads(own.read_text()))
    except FileNotFoundError:
        return None
    except DAMAGE as err:
        notice(f"talkscope: the calibration refit at {own} cannot be read ({describe(err)}); using the shipped "
               "parameters: refit with python -m benchmarks.fit_confidence --model <your model>")
        return None


def load_calibrator(model_name: str) -> tuple[Calibrator, str | None]:
    """The parameters for this model and, when they were fitted on another model, a warning."""
    cal = _refit(model_name)
    if cal is None:
        try:
            cal = Calibrator.from_json(json.loads(files("talkscope.tools").joinpath(SHIPPED).read_text()))
        except ValueError as err:  # the shipped file is part of the code: a mismatch is a bug
            raise RuntimeError(str(err)) from err
    warning = None
    if cal.fitted_on != model_name:
        warning = (f"the calibration was fitted on {cal.fitted_on}, not {model_name}; refit it with "
                   f"python -m benchmarks.fit_confidence --model <your model>")
    return cal, warning
