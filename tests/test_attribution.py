"""`attribution` on the real default model, checked numerically against Captum 0.9."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from scipy.stats import spearmanr

from talkscope.tools.attribution import target_ids
from talkscope.tools.base import get_tool
from talkscope.tools.engine.drawing import wait_for_figures
from talkscope.tools.engine.errors import TalkscopeError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.captum_ref import captum_integrated_gradients, captum_occlusion  # noqa: E402

PROMPT = "The capital of France is"
LONGER = "When Mary and John went to the store, John gave a drink to"


def attribute(ctx, **args):
    return get_tool("attribution")(ctx, {"prompt": PROMPT, **args})


@pytest.mark.slow
@pytest.mark.parametrize("method", ["integrated_gradients", "occlusion", "input_x_gradient", "saliency",
                                    "attention"])
def test_every_method_gives_one_score_per_token(ctx, method):
    r = attribute(ctx, target="Paris", method=method)
    d = r.data
    assert d["tokens"] == ["<bos>", "The", " capital", " of", " France", " is"]
    assert len(d["scores"]) == 6 and d["method"] == method and d["target_tokens"] == [" Paris"]
    assert sum(d["shares"]) == pytest.approx(1.0, abs=1e-3) and d["shares"][0] == 0.0
    assert r.figure.endswith(".png") and wait_for_figures() == []
    assert Path(r.figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "check" not in d, "only the default run is cross-checked"
    if method == "attention":
        assert r.uncertainty.level != "low" and len(d["rollout"]) == 6


@pytest.mark.slow
def test_default_is_integrated_gradients_with_a_cross_check_and_completeness(ctx):
    d = attribute(ctx, target="Paris").data
    assert d["method"] == "integrated_gradients" and d["n_steps"] == 32
    assert d["check"]["method"] == "occlusion" and -1 <= d["check"]["spearman"] <= 1
    assert abs(sum(d["scores"]) - (d["score_input"] - d["score_baseline"])) == pytest.approx(
        d["completeness_error"], abs=1e-4)
    assert d["completeness_error_rel"] < 0.05
    assert d["target_logprob"] == pytest.approx(d["score_input"], abs=1e-4)


@pytest.mark.slow
def test_contrast_scores_the_difference(ctx, model):
    plain = attribute(ctx, target="Paris", method="occlusion").data
    lyon = attribute(ctx, target="Lyon", method="occlusion").data
    both = attribute(ctx, target="Paris", contrast="Lyon", method="occlusion").data
    assert both["contrast"] == "Lyon"
    for a, b, c in zip(plain["scores"], lyon["scores"], both["scores"]):
        assert c == pytest.approx(a - b, abs=1e-3)


@pytest.mark.slow
def test_default_target_is_the_models_own_next_token(ctx, model):
    d = attribute(ctx).data
    assert d["target_is_models_own"] and d["target_tokens"] == [" the"]


@pytest.mark.slow
def test_multi_token_target_sums_log_probabilities(ctx, model):
    d = attribute(ctx, target="Paris, France", method="occlusion").data
    assert len(d["target_tokens"]) == 3
    import torch

    from talkscope.tools.engine.generation import continue_prompts  # noqa: F401  (same model, teacher forcing below)

    ids = model.encode(PROMPT).ids + target_ids(model, PROMPT, "Paris, France", "target")
    with torch.no_grad():
        logits = model.model(torch.tensor([ids]), logits_to_keep=4).logits[0, :3].log_softmax(-1)
    expected = sum(float(logits[i, ids[6 + i]]) for i in range(3))
    assert d["target_logprob"] == pytest.approx(expected, abs=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize("prompt, target", [(PROMPT, "Paris"), (LONGER, "Mary")])
def test_occlusion_and_integrated_gradients_agree_with_captum(ctx, model, prompt, target):
    tgt = target_ids(model, prompt, target, "target")
    ours_occ = get_tool("attribution")(ctx, {"prompt": prompt, "target": target, "method": "occlusion"}).data
    ours_ig = get_tool("attribution")(ctx, {"prompt": prompt, "target": target,
                                            "method": "integrated_gradients"}).data
    theirs_occ = captum_occlusion(model, prompt, tgt)
    theirs_ig = captum_integrated_gradients(model, prompt, tgt)
    occ, ig = ours_occ["scores"][1:], ours_ig["scores"][1:]  # Captum skips the BOS token
    assert occ == pytest.approx(theirs_occ, abs=2e-3, rel=2e-3)
    assert spearmanr(occ, theirs_occ).statistic >= 0.99
    assert ig == pytest.approx(theirs_ig, abs=5e-2, rel=2e-2)
    assert spearmanr(ig, theirs_ig).statistic >= 0.99


@pytest.mark.slow
@pytest.mark.parametrize("args, match", [
    ({"prompt": ""}, "non-empty 'prompt'"),
    ({"prompt": PROMPT, "target": "   "}, "target is empty"),
    ({"prompt": PROMPT, "method": "shap"}, "choose one of: integrated_gradients, occlusion"),
    ({"prompt": "word " * 40000}, "read at most 4,096"),
])
def test_bad_input_says_what_to_do(ctx, args, match):
    with pytest.raises(TalkscopeError, match=match):
        get_tool("attribution")(ctx, args)


def test_long_prompts_are_chunked_and_report_progress():
    """Integrated gradients over a long prompt runs in memory-bounded chunks, reporting each one
    (a tiny Llama keeps this fast; the chunking code is the same for every model)."""
    from tiny import tiny_model

    from talkscope.tools.engine import attr_methods

    m = tiny_model("llama")
    m.config.max_position_embeddings = 4096
    enc = m.encode(" ".join(["the cat sat on the mat"] * 100))  # 600 tokens
    scorer = attr_methods.Scorer(m, enc.ids, [5], None, enc.special)
    seen: list[int] = []
    full = attr_methods.integrated_gradients(scorer, progress=seen.append)
    rows_per_chunk = attr_methods.GRAD_TOKENS_PER_CHUNK // (600 + 1)  # prompt + target tokens per row
    assert sum(seen) == 34 and len(seen) == -(-34 // rows_per_chunk) > 1  # 32 steps, the input, the baseline
    assert len(full.scores) == 600 and full.extra["completeness_error_rel"] < 0.05


@pytest.mark.slow
def test_a_1000_token_prompt_works_on_cpu(ctx):
    prompt = " ".join(f"Sentence number {i} says that the sky is blue." for i in range(100))
    d = get_tool("attribution")(ctx, {"prompt": prompt, "target": "Paris", "method": "saliency"}).data
    assert len(d["tokens"]) >= 1000 and len(d["scores"]) == len(d["tokens"])


def _occluded_rows(scorer, positions):
    x, b = scorer.input_embeds, scorer.baseline_embeds
    rows = x[None].repeat(len(positions) + 1, 1, 1)
    for r, i in enumerate(positions, start=1):
        rows[r, i] = b[i]
    return rows


@pytest.mark.parametrize("arch", ["llama", "gpt2", "gpt_neox"])
@pytest.mark.parametrize("target, contrast", [([5], None), ([5, 7, 9], None), ([5, 7], [8, 9, 10])])
def test_packed_occlusion_equals_full_rows(monkeypatch, arch, target, contrast):
    """Occlusion rows packed with the unperturbed prompt (one custom-mask forward per chunk; later chunks
    read its cached keys) score exactly what full rows score."""
    import torch
    from tiny import tiny_model

    from talkscope.tools.engine import attr_scoring

    m = tiny_model(arch)
    enc = m.encode("the cat sat on the mat and the dog ran to the park")
    ids, special = [m.tokenizer.bos_token_id] + enc.ids, [True] + enc.special
    scorer = attr_scoring.Scorer(m, ids, target, contrast, special)
    positions = list(range(1, len(ids)))
    with torch.no_grad():
        full = scorer(_occluded_rows(scorer, positions))
    seen: list[int] = []
    monkeypatch.setattr(attr_scoring, "PACK_TOKENS_PER_CHUNK", 30)
    packed = attr_scoring.occlusion_scores(scorer, positions, seen.append)
    assert len(seen) > 1 and sum(seen) == len(positions) + 1
    assert torch.allclose(packed, full, atol=1e-5)


@pytest.mark.parametrize("arch", ["llama", "gpt2"])
def test_unpacked_occlusion_builds_rows_per_chunk_and_equals_full_rows(monkeypatch, arch):
    """Past the packing length, occlusion builds each chunk's rows as it goes (all rows at once would hold
    n^2 embeddings: 10 GB at 2,000 tokens) and scores what full rows score."""
    import torch
    from tiny import tiny_model

    from talkscope.tools.engine import attr_scoring

    m = tiny_model(arch)
    enc = m.encode("the cat sat on the mat and the dog ran to the park")
    ids, special = [m.tokenizer.bos_token_id] + enc.ids, [True] + enc.special
    scorer = attr_scoring.Scorer(m, ids, [5, 7], None, special)
    positions = list(range(1, len(ids)))
    with torch.no_grad():
        full = scorer(_occluded_rows(scorer, positions))
    seen: list[int] = []
    monkeypatch.setattr(attr_scoring, "PACK_MAX_PROMPT", 4)  # take the long-prompt path
    monkeypatch.setattr(attr_scoring, "FORWARD_TOKENS_PER_CHUNK", 60)
    rows = attr_scoring.occlusion_scores(scorer, positions, seen.append)
    assert len(seen) > 2 and sum(seen) == len(positions) + 1
    assert torch.allclose(rows, full, atol=1e-5)


@pytest.mark.slow
def test_prompt_length_limits_are_refused_with_their_numbers(ctx):
    long_ids = ctx.model.tokenizer(" ".join(f"w{i}" for i in range(700)), add_special_tokens=False)["input_ids"]
    prompt = ctx.model.tokenizer.decode(long_ids[:1100])
    with pytest.raises(TalkscopeError, match=r"occlusion on 1,?\d{3} tokens .* up to 1,024 tokens"):
        get_tool("attribution")(ctx, {"prompt": prompt, "target": "Paris", "method": "occlusion"})
    for tool in ("generate", "logit_lens", "confidence"):
        with pytest.raises(TalkscopeError, match=r"the prompt has 4,\d{3} tokens; .* at most 4,096"):
            get_tool(tool)(ctx, {"prompt": "x1;" * 1500})


@pytest.mark.parametrize("arch", ["llama", "gpt2", "gpt_neox"])
def test_contrast_shares_one_forward_with_the_target(arch):
    """With a contrast, target and contrast continue one copy of the prompt under a mask that hides one
    tail from the other; scores and gradients equal two separate teacher-forced forwards."""
    import torch
    from tiny import tiny_model

    from talkscope.tools.engine import attr_scoring

    m = tiny_model(arch)
    enc = m.encode("the cat sat on the mat and the dog ran")
    scorer = attr_scoring.Scorer(m, enc.ids, [5, 7, 9], [8, 4], enc.special)
    rows = scorer.input_embeds[None] * torch.linspace(0.2, 1.0, 4)[:, None, None]
    joint, _ = attr_scoring.grads(scorer, rows, None)
    apart = torch.autograd.functional.jacobian(
        lambda e: (scorer._logprob(e, [5, 7, 9]) - scorer._logprob(e, [8, 4])).sum(), rows)
    with torch.no_grad():
        assert torch.allclose(scorer(rows), scorer._logprob(rows, [5, 7, 9]) - scorer._logprob(rows, [8, 4]),
                              atol=1e-5)
    assert torch.allclose(joint, apart, atol=1e-5)


@pytest.mark.parametrize("arch", ["llama", "gpt2", "gpt_neox"])
@pytest.mark.parametrize("contrast", [None, [8, 4]])
def test_rows_after_a_cached_prefix_score_what_whole_rows_score(arch, contrast):
    """Rows that start after the fixed prefix (leading special tokens, computed once and read from a
    key/value cache) give the scores and gradients of whole rows."""
    import torch
    from tiny import tiny_model

    from talkscope.tools.engine import attr_scoring

    m = tiny_model(arch)
    enc = m.encode("the cat sat on the mat and the dog ran")
    ids, special = [m.tokenizer.bos_token_id] * 2 + enc.ids, [True, True] + enc.special
    scorer = attr_scoring.Scorer(m, ids, [5, 7, 9], contrast, special)
    p = scorer.fixed_prefix()
    assert p == 2
    rows = scorer.input_embeds[None] * torch.linspace(0.2, 1.0, 4)[:, None, None]
    rows[:, :p] = scorer.input_embeds[:p]
    whole, whole_scores = attr_scoring.grads(scorer, rows, None)
    after, after_scores = attr_scoring.grads(scorer, rows[:, p:], None, start=p)
    assert torch.allclose(after_scores, whole_scores, atol=1e-5)
    assert torch.allclose(after, whole[:, p:], atol=1e-5)


def test_one_agreement_rule_for_the_words_and_the_uncertainty():
    from samples import attribution

    from talkscope.tools.attribution import AGREE_SPEARMAN, Agreement

    agree, disagree = Agreement("occlusion", [], 0.8, True, " France"), Agreement("occlusion", [], 0.1, False, " is")
    assert agree.agrees and not disagree.agrees and not Agreement("occlusion", [], AGREE_SPEARMAN, False, "x").agrees
    ok, bad = attribution(agree), attribution(disagree)
    assert "so the two methods agree [E1]" in ok.sentences("E1")
    assert ("Occlusion (leave one token out) ranks them differently (Spearman 0.10, a different top token), so treat "
            "the ranking with caution [E1]") in bad.sentences("E1")
    assert ok.uncertainty().score == pytest.approx(0.5 * 0.2 + 0.01) and ok.uncertainty().level == "low"
    assert bad.uncertainty().score == pytest.approx(0.5 * 0.9 + 0.2 + 0.01)
    assert bad.uncertainty().basis == "occlusion rank agreement 0.10, different top token; completeness error 1%"
    assert bad.to_json()["check"] == {"method": "occlusion", "scores": [], "spearman": 0.1, "top_match": False,
                                      "top_token": " is"}


def test_wording_names_the_target_the_method_and_the_largest_shares():
    from samples import attribution

    f = attribution()
    assert f.sentences("E2").startswith(
        'The score being explained is " Paris": log-probability -2.48 [E2]. Integrated gradients puts the largest '
        'share of it on " France" (38%) and " capital" (28%) [E2]. The integrated-gradients completeness error is 1% '
        '[E2].')
    f.contrast, f.target_is_models_own = " Lyon", True
    assert 'the model\'s own next token " Paris" rather than " Lyon"' in f.sentences("E1")
    att = attribution(method="attention")
    att.completeness_error_rel = None
    assert "Last-layer attention puts" in att.sentences("E1") and "weaker signal" in att.sentences("E1")
    assert att.uncertainty().score == 0.7
    assert "check" not in f.to_json() and "rollout" not in f.to_json() and f.to_json()["n_steps"] == 32


def test_the_method_registry_lists_every_method_and_refuses_unknown_ones():
    from talkscope.tools.engine.attr_methods import get_method, list_methods, work_rows

    assert [m.name for m in list_methods()] == ["integrated_gradients", "occlusion", "input_x_gradient", "saliency",
                                                 "attention"]
    assert work_rows("integrated_gradients", 6) == 34 and work_rows("occlusion", 6) == 7
    assert work_rows("saliency", 6) == 1
    with pytest.raises(TalkscopeError, match="unknown attribution method 'shap'; choose one of: integrated_gradients"):
        get_method("shap")
    assert get_tool("attribution").inputs["method"].allowed() == tuple(m.name for m in list_methods())


def test_a_method_registered_later_is_accepted_routed_and_its_facts_kept(monkeypatch):
    from samples import attribution

    from talkscope.agent.routes import load_specs
    from talkscope.tools.engine import attr_methods

    class Shapley(attr_methods.Method):
        name = "shapley"
        title = "Sampled Shapley values"
        aliases = ("shapley values", "SHAP")
        description = "a test method"

    monkeypatch.setitem(attr_methods._METHODS, "shapley", Shapley)
    tool = get_tool("attribution")
    assert tool.normalize_args({"prompt": "Hi", "method": "shapley"})["method"] == "shapley"
    slot = load_specs([type(tool)])["attribution"].slots["method"]
    m = slot.patterns[0].search("now with SHAP please")
    assert slot.canonical(m.group("v")) == "shapley"
    f = attribution(method="shapley")
    f.extra = {"n_samples": 25}
    assert f.to_json()["n_samples"] == 25 and "extra" not in f.to_json()
    assert "Sampled Shapley values puts the largest share" in f.sentences("E1")
