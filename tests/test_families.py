"""Every model-based tool on tiny random models of the architecture families people run locally: Qwen2,
Qwen3, Mistral, Phi-3, Phi-2, Gemma 2, Gemma 3, OLMo 2, GPT-J and Falcon, beside GPT-2, GPT-NeoX and Llama;
and the ALiBi families (BLOOM, Falcon-RW), which run every tool but refuse, by name, what needs a custom mask.

The checks compare the adapter with the model's own forward, so a family whose layers, norm, soft-capping,
biased or tied unembedding, masks or cache the adapter misreads fails here rather than giving a user a
plausible wrong answer. The models are built from configs (tests/tiny.py): no weights are loaded."""

from __future__ import annotations

import math

import pytest
import torch
from tiny import ALIBI, ARCHS, tiny_model

from talkscope.tools.base import ToolContext, get_tool
from talkscope.tools.engine import attr_scoring
from talkscope.tools.engine.attr_methods import get_method, list_methods
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.families import eager_attention
from talkscope.tools.engine.generation import continue_prompts
from talkscope.tools.engine.model import ModelAdapter, Patch
from talkscope.tools.engine.patching import locate_placeholder, run_patchscope
from talkscope.tools.engine.probe_data import Dataset, hidden_states

PROMPT = "the cat sat on the mat"
OTHER = "a dog ran to the park"
TIGHT = dict(atol=1e-5, rtol=1e-5)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """One torch thread: on 32-wide matrices, waking a second thread costs far more than the work
    (a tiny forward takes 5 ms on one thread, up to 200 ms of CPU on two of a loaded machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# One model per family for the module, shared as the real model is in the slow tier (the adapter leaves a
# model as it found it: patches and the eager-attention switch end with their call).
@pytest.fixture(scope="module", params=[*ARCHS, *ALIBI])
def m(request) -> ModelAdapter:
    """A tiny model of each family, with a byte-level tokenizer that puts <s> first (as real ones do)."""
    return tiny_model(request.param, byte_level=True)


@pytest.fixture(scope="module", params=ARCHS)
def packable(request) -> ModelAdapter:
    """A family that takes custom attention masks (all but the ALiBi ones): packed attribution sweeps."""
    return tiny_model(request.param, byte_level=True)


@pytest.fixture(scope="module", params=list(ALIBI))
def alibi(request) -> ModelAdapter:
    return tiny_model(request.param, byte_level=True)


def context(model: ModelAdapter, tmp_path, monkeypatch) -> ToolContext:
    """A tool context holding the tiny model. Caches (probe states, calibration) go to a temporary folder,
    and figures are not drawn: the figure code is the same for every family (tested on the real model),
    and drawing is most of a tiny model's tool run."""
    from talkscope.tools.engine import figures

    monkeypatch.setenv("TALKSCOPE_CACHE", str(tmp_path / "cache"))
    for name in ("token_heatmap", "layer_table", "accuracy_curve"):
        monkeypatch.setattr(figures, name, lambda path, *_a, **_k: path)
    c = ToolContext(model_spec=model.name, out_dir=tmp_path / "out")
    c._model = model
    return c


def own_logits(m: ModelAdapter, ids: torch.Tensor) -> torch.Tensor:
    """The model's own logits [T, V] for one prompt (its full forward, soft-capping included)."""
    with torch.no_grad():
        return m.model(ids, use_cache=False).logits[0].float()


# ---- layers and the logit lens ---------------------------------------------------------------------------
def test_layers_are_the_models_hidden_states_and_the_lens_is_exact_at_the_last(m):
    ids = m.encode(PROMPT).tensor("cpu")
    hs = m.residual_stream(ids)
    assert hs.shape == (m.n_layers + 1, 1, ids.shape[1], 32)
    with torch.no_grad():
        theirs = m.model(ids, output_hidden_states=True, use_cache=False).hidden_states
    for layer in range(m.n_layers):
        torch.testing.assert_close(hs[layer], theirs[layer])
    with torch.no_grad():
        lens = m.logits_from_residual(hs[-1, 0])  # every position of the last layer
    torch.testing.assert_close(lens, own_logits(m, ids), **TIGHT)
    torch.testing.assert_close(m.next_token_logits(ids)[0], own_logits(m, ids)[-1], **TIGHT)


def test_logit_lens_tool_reads_the_models_own_distribution_at_the_last_layer(m, tmp_path, monkeypatch):
    d = get_tool("logit_lens")(context(m, tmp_path, monkeypatch), {"prompt": PROMPT}).data
    assert d["layers"] == list(range(m.n_layers + 1)) and len(d["top"]) == m.n_layers + 1
    probs = own_logits(m, m.encode(PROMPT).tensor("cpu"))[-1].softmax(-1)
    p, i = probs.topk(len(d["top"][-1]))
    assert [t["token"] for t in d["top"][-1]] == [m.tokenizer.decode([int(x)]) for x in i]
    assert [t["prob"] for t in d["top"][-1]] == pytest.approx(p.tolist(), abs=1e-4)


# ---- patching --------------------------------------------------------------------------------------------
def test_patching_with_the_own_state_changes_nothing(m):
    ids = m.encode(PROMPT).tensor("cpu")
    base, base_logits = m.residual_stream(ids), own_logits(m, ids)
    for layer in range(m.n_layers + 1):
        with m.patch([Patch(layer, 2, base[layer, 0, 2])]):
            torch.testing.assert_close(m.residual_stream(ids), base, atol=0, rtol=0)
        with m.patch([Patch(layer, 2, base[layer, 0, 2])]):
            torch.testing.assert_close(own_logits(m, ids), base_logits, atol=0, rtol=0)


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_patching_a_layer_changes_only_what_follows_it(m, where):
    ids = m.encode(PROMPT).tensor("cpu")
    layer = {"first": 0, "middle": m.n_layers // 2, "last": m.n_layers}[where]
    pos = 2
    base, base_logits = m.residual_stream(ids), own_logits(m, ids)
    foreign = m.residual_stream(m.encode(OTHER).tensor("cpu"), layers=[layer])[0, 0, pos]
    with m.patch([Patch(layer, pos, foreign)]):  # a patch holds for one forward (the prefill of `generate`)
        patched = m.residual_stream(ids)
    with m.patch([Patch(layer, pos, foreign)]):
        logits = own_logits(m, ids)
    torch.testing.assert_close(patched[:layer], base[:layer], atol=0, rtol=0)  # earlier layers: untouched
    torch.testing.assert_close(patched[:, :, :pos], base[:, :, :pos], **TIGHT)  # earlier positions: untouched
    torch.testing.assert_close(patched[layer, 0, pos], foreign, atol=0, rtol=0)
    torch.testing.assert_close(patched[layer, 0, pos + 1:], base[layer, 0, pos + 1:], atol=0, rtol=0)
    later = (patched[layer + 1:, 0] - base[layer + 1:, 0]).abs().amax(-1) > 1e-4  # [later layers, T]
    assert later[:, pos:].all()  # later layers change from the patched position on
    # the output changes from the patched position on (after the last block: at that position alone)
    changed = ((logits - base_logits).abs().amax(-1) > 1e-4).tolist()
    assert changed == [i == pos if layer == m.n_layers else i >= pos for i in range(len(changed))]
    assert torch.equal(own_logits(m, ids), base_logits), "the patch must end with the block"


def test_a_patch_at_the_last_layer_is_what_the_lens_reads(m):
    """Patching the final residual state at the last position makes the model predict what the lens reads
    off that state: the adapter's final norm and unembedding are the model's."""
    ids = m.encode(PROMPT).tensor("cpu")
    other = m.residual_stream(m.encode(OTHER).tensor("cpu"), layers=[m.n_layers])[0, 0, -1]
    with m.patch([Patch(m.n_layers, ids.shape[1] - 1, other)]):
        patched = own_logits(m, ids)[-1]
    with torch.no_grad():
        torch.testing.assert_close(patched, m.logits_from_residual(other).float(), **TIGHT)


# ---- generation ------------------------------------------------------------------------------------------
def test_generation_is_finite_and_greedy_under_left_padding(m, tmp_path, monkeypatch):
    prompts = [PROMPT, "the capital of france is"]
    outs = continue_prompts(m, prompts, max_new_tokens=4)
    for prompt, c in zip(prompts, outs):
        assert len(c.probs) == len(c.entropies) == len(c.ids) >= 1
        assert all(0 < p <= 1 for p in c.probs) and all(math.isfinite(h) and h >= 0 for h in c.entropies)
        first = own_logits(m, m.encode(prompt).tensor("cpu"))[-1]  # the unpadded prompt, alone
        assert c.ids[0] == int(first.argmax())
        assert c.probs[0] == pytest.approx(float(first.softmax(-1).max()), abs=1e-4)
    d = get_tool("generate")(context(m, tmp_path, monkeypatch), {"prompt": PROMPT, "max_new_tokens": 3}).data
    assert d["tokens"] == outs[0].tokens[:3]


def test_a_patch_leaves_the_cached_decoding_steps_alone(m):
    ids = m.encode(PROMPT).tensor("cpu")
    own = m.residual_stream(ids, layers=[0])[0, 0, 1]
    kw = dict(max_new_tokens=4, do_sample=False, pad_token_id=m.tokenizer.pad_token_id)
    plain = m.model.generate(ids, **kw)
    with m.patch([Patch(layer=0, position=1, vector=own)]):
        assert torch.equal(m.model.generate(ids, **kw), plain)


# ---- attribution -----------------------------------------------------------------------------------------
def test_gradients_of_the_score_are_those_of_the_models_own_forward(m):
    """The gradient methods' backward pass (the adapter's head and label log-probabilities, soft-capping
    and unembedding bias included) gives the gradient of the model's own teacher-forced log-probability."""
    enc, target = m.encode(PROMPT), [5, 7, 9]
    scorer = attr_scoring.Scorer(m, enc.ids, target, None, enc.special)
    grad, score = attr_scoring.grads(scorer, scorer.input_embeds[None], None)
    x = scorer.input_embeds[None].clone().requires_grad_(True)
    tail = m.token_embeddings(torch.tensor([target[:-1]]))
    logp = m.model(inputs_embeds=torch.cat([x, tail], 1), use_cache=False).logits[0, -3:].float().log_softmax(-1)
    own = logp[torch.arange(3), target].sum()
    (own_grad,) = torch.autograd.grad(own, x)
    assert float(score[0]) == pytest.approx(float(own), abs=1e-4)
    torch.testing.assert_close(grad, own_grad, atol=1e-5, rtol=1e-3)


def test_attribution_tool_scores_the_models_own_log_probability(packable, tmp_path, monkeypatch):
    """The default run: integrated gradients (after a cached <s>), cross-checked by packed occlusion."""
    m = packable
    d = get_tool("attribution")(context(m, tmp_path, monkeypatch), {"prompt": PROMPT}).data
    enc = m.encode(PROMPT)
    logp = own_logits(m, enc.tensor("cpu"))[-1].log_softmax(-1)
    assert d["target_tokens"] == [m.tokenizer.decode([int(logp.argmax())])]
    assert d["target_logprob"] == pytest.approx(float(logp.max()), abs=1e-4)
    assert d["score_input"] == pytest.approx(float(logp.max()), abs=1e-4)
    assert d["completeness_error_rel"] < 0.05
    for scores in (d["scores"], d["check"]["scores"]):
        assert len(scores) == len(enc) and all(math.isfinite(s) for s in scores)


def test_every_attribution_method_runs(packable):
    enc = packable.encode(PROMPT)
    scorer = attr_scoring.Scorer(packable, enc.ids, [5, 7], None, enc.special)
    for method in list_methods():
        attr = method.attribute(scorer)
        assert len(attr.scores) == len(enc) and all(math.isfinite(s) for s in attr.scores), method.name
        assert any(s != 0 for s in attr.scores), method.name


@pytest.mark.parametrize("contrast", [None, [8, 4]])
def test_packed_and_cached_scoring_equals_whole_rows(packable, monkeypatch, contrast):
    """The attribution sweeps' custom attention masks and key/value caches give what plain rows give:
    occlusion packed into one sequence, target and contrast in one forward, rows after a cached prefix."""
    m = packable
    enc = m.encode("the cat sat on the mat and the dog ran")  # <s> first
    ids, special = [m.tokenizer.bos_token_id] + enc.ids, [True] + enc.special
    scorer = attr_scoring.Scorer(m, ids, [5, 7, 9], contrast, special)
    x, b = scorer.input_embeds, scorer.baseline_embeds
    positions = list(range(2, len(ids)))
    rows = x[None].repeat(len(positions) + 1, 1, 1)
    for r, i in enumerate(positions, start=1):
        rows[r, i] = b[i]
    with torch.no_grad():
        whole = sum(sign * scorer._logprob(rows, t) for t, sign in scorer.branches())  # one plain forward each
    monkeypatch.setattr(attr_scoring, "PACK_TOKENS_PER_CHUNK", 30)
    close = dict(atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(attr_scoring.occlusion_scores(scorer, positions, None), whole, **close)
    assert scorer.fixed_prefix() == 2
    grads_whole, scores_whole = attr_scoring.grads(scorer, rows[:3], None)
    grads_after, scores_after = attr_scoring.grads(scorer, rows[:3, 2:], None, start=2)
    torch.testing.assert_close(scores_whole, whole[:3], **close)
    torch.testing.assert_close(scores_after, whole[:3], **close)
    torch.testing.assert_close(grads_after, grads_whole[:, 2:], **close)


def test_attention_weights_are_causal_and_the_models_own(m):
    """The attention method's weights come from a forward that computes the model's own logits (Falcon
    refuses the switch to eager attention; its sdpa path returns unmasked weights), attend only backwards,
    and sum to one; Falcon-RW's, computed with ALiBi added twice, are refused by name."""
    ids = m.encode(PROMPT).tensor("cpu")
    if m.name == "tiny-falcon_alibi":
        with pytest.raises(TalkscopeError, match="falcon models with ALiBi"):
            m.attention_weights(ids)
        return
    before = m.config._attn_implementation
    att = m.attention_weights(ids)
    assert m.config._attn_implementation == before  # switched back
    assert att.shape == (m.n_layers, att.shape[1], ids.shape[1], ids.shape[1])
    assert float(att.triu(1).abs().max()) == 0 and torch.allclose(att.sum(-1), torch.ones(()), atol=1e-5)
    with torch.no_grad(), eager_attention(m.model):
        eager = m.model(ids, output_attentions=True, use_cache=False).logits[0]
    torch.testing.assert_close(eager, own_logits(m, ids), **TIGHT)


def test_alibi_families_refuse_packed_scoring_by_name(alibi, tmp_path, monkeypatch):
    """ALiBi positions are computed from the 2D padding mask, so occlusion and contrast (packed rows under a
    custom mask) are refused with the family named; the gradient methods run and score the model's own
    log-probability."""
    ctx = context(alibi, tmp_path, monkeypatch)
    family = alibi.config.model_type
    for args in ({"method": "occlusion"}, {"method": "saliency", "contrast": "the"}, {}):
        with pytest.raises(TalkscopeError, match=f"{family} models with ALiBi.*integrated_gradients"):
            get_tool("attribution")(ctx, {"prompt": PROMPT, **args})
    logp = float(own_logits(alibi, alibi.encode(PROMPT).tensor("cpu"))[-1].log_softmax(-1).max())
    d = get_tool("attribution")(ctx, {"prompt": PROMPT, "method": "integrated_gradients"}).data
    assert d["score_input"] == pytest.approx(logp, abs=1e-4) and d["completeness_error_rel"] < 0.05
    enc = alibi.encode(PROMPT)
    scorer = attr_scoring.Scorer(alibi, enc.ids, [5, 7], None, enc.special)
    for name in ("saliency", "input_x_gradient"):
        assert all(math.isfinite(s) for s in get_method(name).attribute(scorer).scores)


# ---- patchscope ------------------------------------------------------------------------------------------
def test_patchscope_decodes_what_a_plain_patched_forward_predicts(m, tmp_path, monkeypatch):
    """The batched, prefix-cached patchscope's first token in each row is the greedy next token of the whole
    target prompt with that row's state patched in."""
    target = "the capital of x is"
    layers = list(range(m.n_layers + 1))
    ids = m.encode(PROMPT).tensor("cpu")
    states = m.residual_stream(ids, layers=layers)[:, 0, m.position_of(m.encode(PROMPT), "on")]  # every layer
    decs = run_patchscope(m, states, layers, target, "x", max_new_tokens=3)
    enc, pos = locate_placeholder(m, target, "x")
    for d, state in zip(decs, states):
        with m.patch([Patch(d.target_layer, pos, state)]):
            probs = m.next_token_logits(enc.tensor("cpu"))[0].softmax(-1)
        assert len(d.tokens) >= 1 and math.isfinite(d.logprob) and d.logprob <= 0
        assert d.tokens[0] == m.tokenizer.decode([int(probs.argmax())])
        assert d.first_prob == pytest.approx(float(probs.max()), abs=1e-4)
    data = get_tool("patchscope")(context(m, tmp_path, monkeypatch), {
        "prompt": PROMPT, "token": "on", "layer": 1, "kind": "custom", "target_prompt": target}).data
    assert data["layers"] == [1] and data["decoded"][0].startswith(decs[1].text)  # 10 tokens, not 3


# ---- probe and confidence --------------------------------------------------------------------------------
@pytest.mark.parametrize("pooling", ["last", "mean"])
def test_probe_states_of_a_padded_batch_are_each_texts_own(m, tmp_path, pooling):
    texts = ["the cat sat", "a dog ran to the park and back", "the capital of france is paris", "the mat"]
    data = Dataset("tiny", texts, ["a", "b", "a", "b"])
    states = torch.tensor(hidden_states(m, data, pooling, tmp_path))
    assert states.shape == (m.n_layers + 1, len(texts), 32) and bool(torch.isfinite(states).all())
    for i, text in enumerate(texts):
        alone = m.residual_stream(m.encode(text).tensor("cpu"))[:, 0]  # [L+1, T, D], no padding
        want = alone[:, -1] if pooling == "last" else alone.mean(1)
        torch.testing.assert_close(states[:, i], want, atol=1e-4, rtol=1e-4)


def test_confidence_runs(m, tmp_path, monkeypatch):
    d = get_tool("confidence")(context(m, tmp_path, monkeypatch), {"prompt": "the capital of france is"}).data
    assert 0 <= d["score"] <= 1 and 0 < d["answer_prob"] <= 1 and len(d["samples"]) == d["n_samples"]
    assert all(math.isfinite(d[k]) for k in ("mean_entropy_bits", "semantic_entropy_bits", "first_token_prob"))


# ---- what the adapter refuses ----------------------------------------------------------------------------
def test_an_unknown_layout_is_refused_with_its_family_named():
    from transformers import MambaConfig, MambaForCausalLM

    torch.manual_seed(0)
    model = MambaForCausalLM(MambaConfig(vocab_size=32, hidden_size=32, num_hidden_layers=2, state_size=4))
    with pytest.raises(TalkscopeError, match="does not support mamba models .*finds no final norm"):
        ModelAdapter(model, None, name="tiny-mamba")
