"""The `confidence` tool on the real default model, and the pieces its score is built from."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import random

import pytest
from conftest import ROOT, run_cli

from talkscope.tools.base import get_tool
from talkscope.tools.engine.calibration import Calibrator, load_calibrator, refit_path
from talkscope.tools.engine.uncertainty_features import FEATURES, answer_key, entropy_bits, is_correct


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


# ------------------------------------------------------------------------ calibration set and domains (pure)

CALIBRATION_TSV = ROOT / "benchmarks" / "data" / "calibration.tsv"
# 1,861 prompts (2026-11-29); the shipped fit was made on exactly this file: change it only with a refit
CALIBRATION_SHA256 = "baf22d19b310369cc8c2538d411a09c9154607e788d050ff54059aeb0874a9c7"


def test_the_calibration_set_is_frozen_and_still_generated_by_its_script():
    text = CALIBRATION_TSV.read_text()
    assert hashlib.sha256(text.encode()).hexdigest() == CALIBRATION_SHA256, "calibration.tsv changed: refit"
    spec = importlib.util.spec_from_file_location("make_calibration", CALIBRATION_TSV.with_name("make_calibration.py"))
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    assert text == "\n".join(["prompt\tanswers\tdomain"] + ["\t".join(r) for r in make.rows()]) + "\n"
    rows = [line.split("\t") for line in text.splitlines()[1:]]
    assert len(rows) >= 1500 and len({d.split("/")[0] for _, _, d in rows}) >= 10
    assert all(p and a and "/" in d for p, a, d in rows)


def test_the_split_keeps_the_first_rows_split_and_holds_out_two_fifths_of_the_added_ones():
    from benchmarks.calibration_data import load_rows

    rows = load_rows()
    order = list(range(475))
    random.Random(0).shuffle(order)  # the rule the first 475 rows were split by on 2026-11-23
    assert [r["split"] for r in rows[:475]] == ["test" if i in set(order[:190]) else "train" for i in range(475)]
    added = [r["split"] for r in rows[475:]]
    assert added.count("test") == int(0.4 * len(added))


def _calibrator(**kw) -> Calibrator:
    base = dict(features=FEATURES, mean=[0.0] * 5, scale=[1.0] * 5, coef=[0.0] * 5, intercept=0.0,
                iso_x=[0.0, 1.0], iso_y=[0.0, 1.0], fitted_on="m", n_train=3)
    return Calibrator(**(base | kw))


def test_nearest_domain_is_the_most_similar_centroid_and_the_threshold_decides():
    cal = _calibrator(domains=("a/x", "b/y"), centroids=((1.0, 0.0), (0.0, 1.0)), domain_threshold=0.5)
    assert cal.nearest_domain([0.8, 0.6]) == {"domain": "a/x", "similarity": 0.8, "in_domain": True,
                                              "threshold": 0.5}
    assert cal.nearest_domain([0.3, -0.954]) == {"domain": "a/x", "similarity": 0.3, "in_domain": False,
                                                 "threshold": 0.5}
    assert _calibrator().nearest_domain([1.0, 0.0]) is None  # a calibration without domains says nothing
    assert Calibrator.from_json(json.loads(json.dumps(cal.to_json()))) == cal


def test_the_shipped_calibration_has_its_domains_threshold_and_design():
    cal, warning = load_calibrator("gemma-3-270m (Q4_K_M GGUF, dequantized)")
    assert warning is None and cal.n_train >= 900
    assert len(cal.domains) == len(cal.centroids) >= 10 and 0.0 < cal.domain_threshold < 1.0
    assert all(abs(sum(x * x for x in c) - 1.0) < 1e-3 for c in cal.centroids)  # unit centroids
    assert {"features", "C", "map", "chosen_by"} <= set(cal.design) and tuple(cal.design["features"]) == cal.features


def test_an_out_of_domain_prompt_is_said_so_in_the_text_the_uncertainty_and_the_data():
    from dataclasses import replace

    from samples import confidence

    plain = confidence()
    inside = replace(plain, domain="geography/capital", domain_similarity=0.71, in_domain=True,
                     calibration={**plain.calibration, "domain_threshold": 0.46})
    outside = replace(inside, domain="words/comparative", domain_similarity=0.2, in_domain=False)
    assert inside.sentences("E1") == plain.sentences("E1") and inside.uncertainty().score == 0.15
    assert "within the calibration domains (nearest geography/capital, similarity 0.71)" in inside.uncertainty().basis
    assert outside.sentences("E1").endswith(
        "Caution: the prompt is unlike the calibration prompts (nearest domain words/comparative, similarity 0.20, "
        "below 0.46), so the probability was never checked on prompts like it [E1].")
    assert outside.uncertainty().score == 0.5 and "unlike the calibration domains" in outside.uncertainty().basis
    assert outside.to_json()["in_domain"] is False and outside.to_json()["domain"] == "words/comparative"
    assert "in_domain" not in plain.to_json()  # no domain measured: the key is left out


@pytest.mark.slow
def test_a_prompt_far_from_the_calibration_domains_is_flagged_and_a_factual_one_is_not(ctx):
    outside = get_tool("confidence")(ctx, {"prompt": "Once upon a time, in a land far away, there lived a"})
    inside = get_tool("confidence")(ctx, {"prompt": "The capital of Kyrgyzstan is"})
    assert outside.data["in_domain"] is False and inside.data["in_domain"] is True
    assert outside.data["domain_similarity"] < outside.data["calibration"]["domain_threshold"]
    assert inside.data["domain"] == "geography/capital"
    assert "unlike the calibration prompts" in outside.finding.sentences("E1")
    assert "unlike the calibration domains" in outside.finding.uncertainty().basis
    assert "unlike" not in inside.finding.sentences("E1") + inside.finding.uncertainty().basis
    for r in (outside, inside):  # the existing keys are all still there
        assert {"prompt", "answer", "score", "samples", "agreement", "answer_prob", "first_token_prob",
                "mean_entropy_bits", "semantic_entropy_bits", "n_samples", "alternatives", "calibration"} <= set(r.data)
