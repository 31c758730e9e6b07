"""The `confidence` tool on the real default model, and the pieces its score is built from."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli

from talkscope.tools.base import get_tool
from talkscope.tools.engine.calibration import load_calibrator, refit_path
from talkscope.tools.engine.uncertainty_features import answer_key, entropy_bits, is_correct


def test_answer_keys_entropy_and_correctness():
    assert answer_key(" The Euro, which is used") == answer_key("euro.") == "euro"
    assert entropy_bits(["a"] * 10) == 0.0 and entropy_bits(["a", "b"] * 5) == 1.0
    assert is_correct("Canberra, a planned city.", "Canberra") and not is_correct("Sydney.", "Canberra")
    assert is_correct("Kyiv.", "Kyiv|Kiev") and not is_correct("1160", "116")


def test_calibration_for_another_model_warns_and_a_refit_is_preferred(tmp_path, monkeypatch):
    cal, warning = load_calibrator("some-other-model")
    assert "fitted on" in warning and "benchmarks.fit_confidence" in warning
    monkeypatch.setenv("TALKSCOPE_CACHE", str(tmp_path))
    own = refit_path("some-other-model")
    own.parent.mkdir(parents=True)
    own.write_text(json.dumps({**cal.to_json(), "fitted_on": "some-other-model", "n_train": 7}))
    refit, warning = load_calibrator("some-other-model")
    assert warning is None and refit.n_train == 7


@pytest.mark.slow
def test_easy_answer_scores_above_a_hard_one(ctx):
    easy = get_tool("confidence")(ctx, {"prompt": "Water is made of hydrogen and"})
    hard = get_tool("confidence")(ctx, {"prompt": "25 + 91 ="})
    for r in (easy, hard):
        assert len(r.data["samples"]) == r.data["n_samples"] == 10
        assert 0.0 <= r.data["score"] <= 1.0 and 0.0 <= r.data["agreement"] <= 1.0
        assert r.data["calibration"]["warning"] is None  # the shipped fit is for this model
    assert easy.data["answer"].startswith("oxygen")
    assert easy.data["score"] > 0.5 > hard.data["score"]


@pytest.mark.slow
def test_ask_how_sure_answers_with_score_basis_and_alternatives(tmp_path):
    res = run_cli("ask", 'How sure is the model that "The capital of Australia is" continues correctly?', "--json",
                  "--out", str(tmp_path))
    assert res.returncode == 0, res.stderr
    reply = json.loads(res.stdout)
    data = reply["evidence"][0]["data"]
    assert reply["calls"][0] == {"tool": "confidence", "args": {"prompt": "The capital of Australia is"}}
    assert f"{data['score']:.0%}" in reply["answer"] and "samples agreeing" in reply["answer"]
    assert "logistic calibration" in reply["evidence"][0]["uncertainty"]["basis"]


def test_wording_gives_the_score_its_basis_and_the_alternatives():
    from samples import confidence

    plain, foreign = confidence(), confidence("calibration fitted on gemma-3-270m, not on this model")
    assert plain.sentences("E1") == (
        'The model\'s answer to "The capital of Australia is" is "Canberra." [E1]. The calibrated probability that it '
        "is right is 62% [E1]: it rests on the answer's length-normalised probability 0.41 and on 7 of 10 samples "
        'agreeing with it (semantic entropy 0.88 bits) [E1]. The samples also said: "Sydney." (3×) [E1].')
    assert foreign.sentences("E1").endswith("Caution: calibration fitted on gemma-3-270m, not on this model [E1].")
    assert plain.uncertainty().score == 0.15 and foreign.uncertainty().score == 0.6
