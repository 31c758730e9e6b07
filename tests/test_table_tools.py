"""The table tools on the demo tables with a real fitted EBM, each checked against a computation made here
directly (pandas, interpret's own API, a fresh prediction), not against numbers copied from a run."""

from __future__ import annotations

import numpy as np
import pytest

from talkscope.tools.base import ToolContext, get_tool
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.table import edits
from talkscope.tools.engine.table.state import TableState

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cache():
    from talkscope.tools.engine.loading import cache_root

    return cache_root() / "tables"  # shared with the CLI and router tests: each demo table is fitted once


def _ctx(name, cache, tmp_path_factory) -> ToolContext:
    return ToolContext(out_dir=tmp_path_factory.mktemp("out"), table_state=TableState(name, cache_dir=cache))


@pytest.fixture(scope="module")
def penguins(cache, tmp_path_factory):
    return _ctx("penguins", cache, tmp_path_factory)


@pytest.fixture(scope="module")
def cancer(cache, tmp_path_factory):
    return _ctx("breast_cancer", cache, tmp_path_factory)


@pytest.fixture(scope="module")
def diabetes(cache, tmp_path_factory):
    return _ctx("diabetes", cache, tmp_path_factory)


def run(ctx, tool, **args):
    return get_tool(tool)(ctx, args)


def test_count_and_labels_match_pandas(penguins):
    frame = penguins.table.table.frame
    r = run(penguins, "count", filter="penguins heavier than 5 kg not on Dream")
    assert r.data["count"] == int(((frame.body_mass_g > 5000) & (frame.island != "Dream")).sum())
    assert r.data["condition"] == "body_mass_g > 5000 and island != 'Dream'"
    labels = run(penguins, "labels", filter="island == 'Biscoe'").data
    assert labels["counts"] == frame[frame.island == "Biscoe"].species.value_counts().reindex(
        ["Adelie", "Chinstrap", "Gentoo"]).fillna(0).astype(int).to_dict()


def test_the_model_beats_its_baseline_on_held_out_rows(penguins, cancer, diabetes):
    for ctx, metric in ((penguins, "accuracy"), (cancer, "accuracy"), (diabetes, "r2")):
        fitted = ctx.table.fitted()
        assert fitted.held_out[metric] > fitted.baseline[metric] + 0.2, (metric, fitted.held_out, fitted.baseline)


def test_importance_is_interprets_own_term_importance_with_intervals(cancer):
    fitted = cancer.table.fitted()
    r = run(cancer, "importance", top=30)
    ranked = r.data["ranked"]
    own = dict(zip(fitted.model.term_names_, fitted.model.term_importances()))
    for item in ranked:  # interpret's mean |score| over the training rows vs ours over every row: close, not equal
        assert item["interval"][0] <= item["score"] <= item["interval"][1]
    top_ours = [i["term"] for i in ranked[:5]]
    top_theirs = sorted(own, key=own.get, reverse=True)[:5]
    assert len(set(top_ours) & set(top_theirs)) >= 4, (top_ours, top_theirs)
    assert [i["score"] for i in ranked] == sorted((i["score"] for i in ranked), reverse=True)


def test_a_local_explanation_adds_up_to_the_models_score_and_shap_is_consulted(cancer, diabetes):
    fitted = cancer.table.fitted()
    r = run(cancer, "explain", row=12)
    total = r.data["intercept"] + sum(c["value"] for c in r.data["contributions"])
    p = fitted.proba(cancer.table.table.frame.iloc[[12]])[0][1]
    assert total == pytest.approx(np.log(p / (1 - p)), abs=1e-3)
    assert -1 <= r.data["shap"]["spearman"] <= 1 and set(r.data["shap"]["values"]) == set(fitted.features)
    reg = run(diabetes, "explain", row=3)
    total = reg.data["intercept"] + sum(c["value"] for c in reg.data["contributions"])
    assert total == pytest.approx(float(diabetes.table.fitted().predict(diabetes.table.table.frame.iloc[[3]])[0]),
                                  abs=1e-3)
    assert reg.data["shap"]["spearman"] > 0.5  # on an additive model, SHAP recovers the terms' order


def test_predict_and_what_if_agree_with_a_direct_prediction(diabetes):
    t = diabetes.table.table
    fitted = diabetes.table.fitted()
    r = run(diabetes, "predict", row=12)
    assert r.data["predictions"][0]["prediction"] == pytest.approx(float(fitted.predict(t.frame.iloc[[12]])[0]),
                                                                   abs=1e-3)
    w = run(diabetes, "what_if", row=12, change="bmi = 25, age + 10")
    edited = edits.apply(t.frame.iloc[[12]], edits.parse("bmi = 25, age + 10", t.schema))
    assert w.data["after"][0] == pytest.approx(float(fitted.predict(edited)[0]), abs=1e-3)
    made_up = run(diabetes, "predict", instance="a 45-year-old with a bmi of 30")
    assert made_up.data["predictions"][0]["id"] is None and "age = 45" in made_up.finding.rows


def test_a_counterfactual_really_flips_the_row_and_keeps_what_is_fixed(penguins):
    t = penguins.table.table
    fitted = penguins.table.fitted()
    r = run(penguins, "counterfactual", row=12, immutable=["island"])
    assert r.data["found"]
    row = t.frame.iloc[[12]].copy()
    for c in r.data["changes"]:
        assert c["feature"] != "island"
        row[c["feature"]] = c["to"]
    assert fitted.predict(row)[0] == r.data["new_prediction"] != r.data["original"]


def test_score_and_mistakes_read_the_cross_fitted_predictions(penguins):
    state = penguins.table
    cross = np.asarray(state.cross_fitted(), dtype=object)
    truth = state.table.y.to_numpy()
    r = run(penguins, "score", metric="accuracy")
    assert r.data["scores"]["accuracy"][0] == pytest.approx(float(np.mean(cross == truth)), abs=1e-4)
    lo, hi = r.data["scores"]["accuracy"][1:]
    assert lo <= r.data["scores"]["accuracy"][0] <= hi
    m = run(penguins, "mistakes")
    assert m.data["errors"] == int(np.sum(cross != truth))
    for s in m.data["slices"]:  # each reported subgroup's error recomputed from its rows
        ids = state.select(s["condition"]).ids
        assert len(ids) == s["size"]
        assert s["error"] == pytest.approx(float(np.mean(cross[ids] != truth[ids])), abs=1e-4)


def test_describe_interactions_show_and_filter(diabetes):
    frame = diabetes.table.table.frame
    d = run(diabetes, "describe", feature="bmi", filter="age > 50")
    assert d.data["stats"]["mean"] == pytest.approx(frame[frame.age > 50].bmi.mean(), abs=1e-5)
    i = run(diabetes, "interactions", feature="bmi")
    assert all("bmi" in p["pair"].split(" & ") for p in i.data["pairs"])
    s = run(diabetes, "show", filter="bmi > 40", n=3)
    assert s.data["ids"] == frame.index[frame.bmi > 40].tolist()[:3] and s.finding.quoted
    f = run(diabetes, "filter", filter="women in their 50s")  # sex is coded: only the age range is read
    assert f.data["condition"] == "age >= 50 and age < 60"


@pytest.mark.parametrize(("tool", "args", "message"), [
    ("count", {"filter": "colour == 'red'"}, "there is no column 'colour'"),
    ("count", {"filter": "island == 'Atlantis'"}, "its values are: Biscoe, Dream, Torgersen"),
    ("explain", {"row": 999}, "there is no row 999: the rows are 0 to 343"),
    ("what_if", {"row": 3, "change": "island = 'Atlantis'"}, "'Atlantis' is not a value of island"),
    ("score", {"metric": "r2"}, "r2 does not fit this task"),
])
def test_bad_table_arguments_say_what_to_do(penguins, tool, args, message):
    with pytest.raises(TalkscopeError) as err:
        run(penguins, tool, **args)
    assert message in str(err.value)


def test_a_users_own_model_needs_trust_and_is_scored_with_a_warning(tmp_path):
    import joblib
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    state = TableState("breast_cancer", cache_dir=tmp_path)
    t = state.table
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(t.X, t.y)
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    with pytest.raises(TalkscopeError, match="add --trust-model-file"):
        TableState("breast_cancer", model_file=path, cache_dir=tmp_path).fitted()
    ctx = ToolContext(out_dir=tmp_path, table_state=TableState("breast_cancer", model_file=path,
                                                                trust_model_file=True, cache_dir=tmp_path))
    r = run(ctx, "predict", row=5)
    assert r.data["predictions"][0]["prediction"] == model.predict(t.X.iloc[[5]])[0]
    s = run(ctx, "score")
    assert any("may have been trained on these rows" in f for f in s.finding.flags)
    with pytest.raises(TalkscopeError, match="leave out --model-file"):
        run(ctx, "importance")
