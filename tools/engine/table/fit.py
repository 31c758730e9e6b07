"""The model a table's questions are about: an Explainable Boosting Machine fitted here (InterpretML), or the
user's own scikit-learn-compatible model; its held-out score beside a baseline; and cross-fitted predictions,
each row predicted by a model that did not see it, for judging where the model errs.

The EBM is fitted with cyclic boosting (`greedy_ratio=0`), 4 outer bags, learning rate 0.05 and 5 pair terms:
interpret's defaults (greedy rounds, 14 bags) took 160 s on the 569-row breast-cancer table on 2 cores, these
take 3.6 s, for a model of the same form (shape functions plus pairs). A fit is cached by the table's digest.
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.table.frame import INSTALL, Table

if TYPE_CHECKING:
    import pandas as pd

SEED = 0
TEST_SHARE = 0.2
FOLDS = 5
EBM_PARAMS = {"outer_bags": 4, "learning_rate": 0.05, "interactions": 5, "greedy_ratio": 0.0,
              "cyclic_progress": 1.0, "max_rounds": 1000, "random_state": SEED}
VERSION = "1"  # bump when the fitting changes: old cache files are then ignored


@dataclass
class Fitted:
    """A fitted model with what every table tool reads from it."""

    model: Any
    kind: str  # "ebm" | "user"
    name: str
    task: str
    features: list[str]
    classes: list[str]
    test_ids: list[int]
    held_out: dict[str, float]  # the model's score on the held-out rows
    baseline: dict[str, float]  # a majority-class / mean predictor's, on the same rows
    baseline_name: str
    cross_fitted: list[Any] | None = None  # per row: the prediction of a model that did not see it
    notes: list[str] = field(default_factory=list)

    @property
    def is_ebm(self) -> bool:
        return self.kind == "ebm"

    def predict(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = self.model.predict(X[self.features])
        return np.asarray(out).astype(str) if self.task == "classification" else np.asarray(out, dtype=float)

    def proba(self, X: pd.DataFrame) -> np.ndarray | None:  # noqa: N803
        if self.task != "classification" or not hasattr(self.model, "predict_proba"):
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(self.model.predict_proba(X[self.features]), dtype=float)

    def headline(self) -> str:
        metric = "accuracy" if self.task == "classification" else "r2"
        return (f"{self.name}, held-out {metric} {self.held_out[metric]:.3f} on {len(self.test_ids)} rows "
                f"(baseline {self.baseline_name} {self.baseline[metric]:.3f})")


def metrics(task: str, y: np.ndarray, pred: np.ndarray, proba: np.ndarray | None = None,
            classes: list[str] | None = None) -> dict[str, float]:
    from sklearn import metrics as m

    if task == "regression":
        y, pred = np.asarray(y, float), np.asarray(pred, float)
        return {"mae": float(m.mean_absolute_error(y, pred)), "rmse": float(np.sqrt(m.mean_squared_error(y, pred))),
                "r2": float(m.r2_score(y, pred)) if len(y) > 1 else float("nan")}
    y, pred = np.asarray(y).astype(str), np.asarray(pred).astype(str)
    out = {"accuracy": float(m.accuracy_score(y, pred)),
           "f1": float(m.f1_score(y, pred, average="binary" if len(classes or []) == 2 else "macro",
                                  pos_label=_positive(classes), zero_division=0)),
           "precision": float(m.precision_score(y, pred, average="binary" if len(classes or []) == 2 else "macro",
                                                pos_label=_positive(classes), zero_division=0)),
           "recall": float(m.recall_score(y, pred, average="binary" if len(classes or []) == 2 else "macro",
                                          pos_label=_positive(classes), zero_division=0))}
    if proba is not None and classes and len(set(y)) > 1:
        with contextlib.suppress(ValueError):
            if len(classes) == 2:
                out["auroc"] = float(m.roc_auc_score(y == classes[1], proba[:, 1]))
            elif len(set(y)) == len(classes):
                out["auroc"] = float(m.roc_auc_score(y, proba, multi_class="ovr", labels=classes))
    return out


def label_metrics(truth: np.ndarray, pred: np.ndarray, k: int) -> dict[str, float]:
    """accuracy, and F1, precision and recall (binary: of class 1; else macro) from integer labels 0..k-1 with
    numpy counts: the same numbers as scikit-learn's (tested), fast enough to bootstrap 200 times on 100,000
    rows (scikit-learn's checks took 117 s for that; this takes under a second)."""
    cm = np.bincount(truth * k + pred, minlength=k * k).reshape(k, k)
    tp = np.diag(cm).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(cm.sum(axis=0) > 0, tp / cm.sum(axis=0), 0.0)
        recall = np.where(cm.sum(axis=1) > 0, tp / cm.sum(axis=1), 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    pick = (lambda v: float(v[1])) if k == 2 else (lambda v: float(v.mean()))
    return {"accuracy": float(tp.sum() / max(1, cm.sum())), "f1": pick(f1), "precision": pick(precision),
            "recall": pick(recall)}


def value_metrics(truth: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    err = pred - truth
    ss = float(((truth - truth.mean()) ** 2).sum())
    return {"mae": float(np.abs(err).mean()), "rmse": float(np.sqrt((err ** 2).mean())),
            "r2": 1 - float((err ** 2).sum()) / ss if ss > 0 and len(truth) > 1 else float("nan")}


def _positive(classes: list[str] | None) -> str | int:
    return classes[1] if classes and len(classes) == 2 else 1


def _ebm(task: str) -> Any:
    try:
        from interpret.glassbox import ExplainableBoostingClassifier, ExplainableBoostingRegressor
    except ImportError as err:
        raise TalkscopeError(f"the table's model is an Explainable Boosting Machine (interpret): {INSTALL}") from err
    cls = ExplainableBoostingClassifier if task == "classification" else ExplainableBoostingRegressor
    return cls(**EBM_PARAMS, n_jobs=1)


def split(table: Table) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.model_selection import train_test_split

    ids = np.arange(len(table.frame))
    stratify = table.y if table.schema.task == "classification" and table.y.value_counts().min() >= 2 else None
    train, test = train_test_split(ids, test_size=TEST_SHARE, random_state=SEED, stratify=stratify)
    return np.sort(train), np.sort(test)


def _baseline(table: Table, train: np.ndarray, test: np.ndarray) -> tuple[dict[str, float], str]:
    y = table.y.to_numpy()
    if table.schema.task == "classification":
        classes = list(table.schema.classes)
        values, counts = np.unique(y[train].astype(str), return_counts=True)
        majority = values[counts.argmax()]
        share = np.array([np.mean(y[train].astype(str) == c) for c in classes])
        return metrics("classification", y[test], np.full(len(test), majority), np.tile(share, (len(test), 1)),
                       classes), f"always '{majority}'"
    return metrics("regression", y[test], np.full(len(test), float(np.mean(y[train])))), "the training mean"


def fit_ebm(table: Table, progress: Any = None) -> Fitted:
    train, test = split(table)
    model = _ebm(table.schema.task)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(table.X.iloc[train], table.y.iloc[train])
    fitted = Fitted(model, "ebm", "an Explainable Boosting Machine", table.schema.task, table.features,
                    list(table.schema.classes), test.tolist(), {}, *_baseline(table, train, test))
    _score(fitted, table, test)
    if progress:
        progress(1)
    return fitted


def _score(fitted: Fitted, table: Table, test: np.ndarray) -> None:
    X = table.X.iloc[test]  # noqa: N806
    fitted.held_out = metrics(fitted.task, table.y.iloc[test].to_numpy(), fitted.predict(X), fitted.proba(X),
                              fitted.classes)


def cross_fit(table: Table, advance: Any = None) -> list[Any]:
    """Each row's prediction by an EBM fitted on the other folds (the same settings)."""
    from sklearn.model_selection import KFold, StratifiedKFold

    y = table.y
    stratified = table.schema.task == "classification" and y.value_counts().min() >= FOLDS
    folds = (StratifiedKFold if stratified else KFold)(FOLDS, shuffle=True, random_state=SEED)
    out = np.empty(len(y), dtype=object)
    for train, test in folds.split(table.X, y if stratified else None):
        model = _ebm(table.schema.task)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(table.X.iloc[train], y.iloc[train])
            pred = model.predict(table.X.iloc[test])
        out[test] = np.asarray(pred).astype(str) if table.schema.task == "classification" else np.asarray(pred, float)
        if advance:
            advance(1)
    return out.tolist()


def load_user_model(path: Path, trusted: bool, table: Table) -> Fitted:
    """The user's pickled model (joblib), only when they said they trust the file: unpickling runs its code."""
    if not trusted:
        raise TalkscopeError(f"--model-file {path}: loading a pickle runs any code inside it; add "
                             "--trust-model-file if you made this file or trust whoever did")
    if not path.is_file():
        raise TalkscopeError(f"--model-file {path}: no such file: give a model saved with joblib.dump")
    import joblib

    try:
        model = joblib.load(path)
    except Exception as err:  # any unpickling failure is the file's, reported in one line
        raise TalkscopeError(f"--model-file {path} could not be loaded ({type(err).__name__}: {err})") from err
    if not hasattr(model, "predict"):
        raise TalkscopeError(f"--model-file {path} holds a {type(model).__name__}, which has no predict(): give a "
                             "scikit-learn-compatible model")
    features = list(getattr(model, "feature_names_in_", table.features))
    unknown = [f for f in features if f not in table.frame.columns]
    if unknown:
        raise TalkscopeError(f"the model in {path} reads columns the table lacks: {', '.join(unknown)}")
    train, test = split(table)
    fitted = Fitted(model, "user", f"your model ({type(model).__name__})", table.schema.task, features,
                    list(table.schema.classes), test.tolist(), {}, *_baseline(table, train, test),
                    notes=["your model may have been trained on the rows it is scored on"])
    try:
        _score(fitted, table, test)
    except Exception as err:  # a model that cannot read this table
        raise TalkscopeError(f"the model in {path} could not predict this table ({type(err).__name__}: {err})") from err
    return fitted
