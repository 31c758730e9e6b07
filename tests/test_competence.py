"""`competence` on the real default model: log-probabilities against the model's own full distribution, the
verdict of the issue's example, suites from shipped and user files, and bad input."""

from __future__ import annotations

import csv
from importlib.resources import files

import pytest
import torch

from talkscope.tools.base import get_tool
from talkscope.tools.competence import CompetenceFinding, SuiteFinding
from talkscope.tools.engine.competence import load_pairs, suite_names, wilson
from talkscope.tools.engine.errors import TalkscopeError

PROMPT = "The capital of France is"


@pytest.mark.slow
def test_candidates_scored_against_the_full_distribution(ctx, model):
    r = get_tool("competence")(ctx, {"prompt": PROMPT, "candidates": ["Paris", "Lyon", "the capital"]})
    d = r.data
    assert [c["text"] for c in d["candidates"]] == ["Paris", "Lyon", "the capital"]
    ids = model.encode(PROMPT).ids
    for c in d["candidates"]:
        cont = model.tokenizer(" " + c["text"], add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            logp = model.model(torch.tensor([ids + cont])).logits[0].float().log_softmax(-1)
        want = [float(logp[len(ids) - 1 + i, t]) for i, t in enumerate(cont)]
        assert c["token_logprobs"] == pytest.approx(want, abs=2e-3)
        assert c["logprob"] == pytest.approx(sum(want), abs=5e-3)
        assert c["rank"] == int((logp[len(ids) - 1] > logp[len(ids) - 1, cont[0]]).sum()) + 1
    assert d["verdict"] == "neither" and d["direct_choice"] == "the capital"  # the greedy words outrank "Paris"
    # the example: greedy decoding does not say Paris, yet it is preferred and read off late layers
    r = get_tool("competence")(ctx, {"prompt": PROMPT, "candidates": ["Paris", "Lyon"]})
    d = r.data
    assert d["verdict"] == "knows_not_says" and d["direct_choice"] == "Paris" and d["margin"] > 2
    lens = get_tool("logit_lens")(ctx, {"prompt": PROMPT}).data
    firsts = [t[0]["token"] for t in lens["top"]]
    assert d["candidates"][0]["lens_layer"] == firsts.index(" Paris")
    assert "knows it but does not say it" in r.sentences("E1") and r.figure


@pytest.mark.slow
def test_a_suite_from_a_users_csv(ctx, tmp_path, model):
    path = tmp_path / "pairs.csv"
    rows = [("The dogs bark.", "The dogs barks."), ("She has eaten.", "She has eated."),
            ("Nobody ever came.", "Somebody ever came."), ("The cat sleeps.", "The cat sleep.")]
    with path.open("w", newline="") as f:
        csv.writer(f).writerows([("good", "bad"), *rows])
    r = get_tool("competence")(ctx, {"suite": str(path)})
    d = r.data
    assert d["n"] == 4 and d["suites"][0]["suite"] == "pairs" and d["suites"][0]["n"] == 4
    from talkscope.tools.engine.scoring import sentence_item, token_logprobs

    direct = [sum(a) - sum(b) for a, b in zip(*[iter(token_logprobs(
        model, [sentence_item(model, s) for pair in rows for s in pair]))] * 2)]
    assert d["direct_accuracy"] == sum(x > 0 for x in direct) / 4
    assert d["direct_ci"] == list(wilson(sum(x > 0 for x in direct), 4))
    assert 0 <= d["meta_accuracy"] <= 1 and 0 <= d["meta_says_one"] <= 1 and isinstance(r.sentences("E1"), str)


@pytest.mark.slow
def test_competence_bad_input(ctx, tmp_path):
    tool = get_tool("competence")
    with pytest.raises(TalkscopeError, match="needs a prompt and candidates"):
        tool(ctx, {"prompt": PROMPT})
    with pytest.raises(TalkscopeError, match="has no tokens"):
        tool(ctx, {"prompt": PROMPT, "candidates": ["Paris", "  "]})
    with pytest.raises(TalkscopeError, match="is not a file"):
        tool(ctx, {"suite": "no_such_suite"})
    bad = tmp_path / "bad.csv"
    bad.write_text("sentence,label\nThe dog barks.,1\n")
    with pytest.raises(TalkscopeError, match="columns good,bad"):
        tool(ctx, {"suite": str(bad)})


def test_shipped_suites_are_many_large_and_clean():
    names = suite_names()
    assert len(names) >= 8
    for name in names:
        pairs = load_pairs(name)
        assert len(pairs) >= 50 and len(set(pairs)) == len(pairs), name
        assert all(good != bad and good[-1] == bad[-1] for good, bad in pairs), name
    assert files("talkscope.tools").joinpath("data/competence/README.md").is_file()


def test_wilson_interval_matches_the_textbook_value():
    assert wilson(8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)


def _candidates(greedy=" the capital of France.") -> CompetenceFinding:
    cands = [{"text": "Paris", "logprob": -2.48, "token_logprobs": [-2.48], "rank": 3, "lens_layer": 13,
              "meta_logprob": -5.46},
             {"text": "Lyon", "logprob": -7.14, "token_logprobs": [-7.14], "rank": 97, "lens_layer": None,
              "meta_logprob": -11.77}]
    return CompetenceFinding(cands, greedy, "knows_not_says", "Paris", "Paris", 4.66, 18, prompt=PROMPT)


def test_competence_wording_cites_each_measurement():
    text = _candidates().sentences("E1")
    assert text == ("After 'The capital of France is', \"Paris\" has log-probability -2.48 (first token ranked 3), "
                    "\"Lyon\" has log-probability -7.14 (first token ranked 97) [E1]. The model greedily continues "
                    "\"the capital of France.\" [E1]. The logit lens reads \"Paris\" as its top token from layer 13 of "
                    "18 [E1]. Asked in words, it prefers \"Paris\" [E1]. Verdict: the model knows it but does not say "
                    "it [E1].")
    assert _candidates().uncertainty().level == "low"


def test_suite_wording_says_whether_the_published_claim_holds():
    rows = [{"suite": "factual", "n": 69, "direct_accuracy": 0.96, "direct_ci": [0.88, 0.99], "meta_accuracy": 0.33,
             "meta_ci": [0.23, 0.45]}]
    f = SuiteFinding(rows, 69, 0.96, [0.88, 0.99], 0.33, [0.23, 0.45], True, 0.99)
    assert "Direct measurement beats asking in words" in f.sentences("E1")
    assert 'it answers "1" to 99% of the questions whichever sentence comes first' in f.sentences("E1")
    f.direct_beats_meta = False
    assert "unlike Hu & Levy's finding" in f.sentences("E1")
