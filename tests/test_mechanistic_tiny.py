"""Causal tracing, continuation scoring and parameter regions on tiny random models of every supported family
(architecture coverage; the findings on the real model are in test_trace.py, test_competence.py, test_regions.py).
Each check is against an independent computation: the model's own forward with hand-written hooks, full logits
and log-softmax, autograd through transformers' own loss."""

from __future__ import annotations

import pytest
import torch
from tiny import ARCHS, tiny_model

from talkscope.tools.engine import regions as R
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.scoring import continuation_item, sentence_item, token_logprobs
from talkscope.tools.engine.tracing import run_trace

PROMPT = "the capital of france is"
ARCH_SAMPLE = ("gpt2", "gpt_neox", "llama", "gemma3", "gptj", "phi", "falcon", "qwen3")


def _clean_states(m, prompt):
    with torch.no_grad():
        return m.model(m.encode(prompt).tensor("cpu"), output_hidden_states=True).hidden_states


@pytest.mark.parametrize("arch", ARCH_SAMPLE)
def test_restoring_one_state_matches_a_hand_written_patch(arch):
    """One cell of the batched sweep equals an unbatched forward that overwrites that block's output by hand."""
    m = tiny_model(arch)
    tr = run_trace(m, PROMPT, "france", None, "state", samples=2)
    enc = m.encode(PROMPT)
    subj = tr.subject
    layer, pos = 1, len(enc) - 1
    clean = _clean_states(m, PROMPT)[layer][0]
    embeds = m.token_embeddings(enc.tensor("cpu")).clone()
    gen = torch.Generator().manual_seed(1)
    from talkscope.tools.engine.tracing import NOISE_SCALE, embedding_sigma
    embeds[0, subj] += torch.randn(len(subj), embeds.shape[-1], generator=gen) * NOISE_SCALE * embedding_sigma(m)

    def hook(_m, _a, out):
        h = (out[0] if isinstance(out, tuple) else out).clone()
        h[0, pos] = clean[pos]
        return (h, *out[1:]) if isinstance(out, tuple) else h

    handle = m.blocks[layer - 1].register_forward_hook(hook)
    try:
        with torch.no_grad():
            logits = m.head(m.normed_from_embeddings(embeds)[:, -1:])[0, 0].float()
    finally:
        handle.remove()
    want = float(logits.softmax(-1)[tr.answer_id])
    assert tr.effects[1, tr.layers.index(layer), pos] == pytest.approx(want, rel=1e-4, abs=1e-6)


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("kind", ["state", "mlp", "attn"])
def test_restoring_the_last_sites_gives_back_the_clean_probability(arch, kind):
    m = tiny_model(arch)
    tr = run_trace(m, PROMPT, "france", None, kind, samples=2, window=2 * m.n_layers)
    last = len(tr.tokens) - 1
    if kind == "state":  # the last layer at the last position is the whole clean reading
        assert tr.effects[:, -1, last] == pytest.approx([tr.clean] * 2, rel=1e-4)
    before = [p for p in range(len(tr.tokens)) if p < min(tr.subject)]
    assert (tr.effects[:, :, before] == tr.corrupted[:, None, None]).all()  # corruption cannot reach them
    assert tr.effects.shape == (2, len(tr.layers), len(tr.tokens))


def test_trace_refuses_a_subject_that_is_not_in_the_prompt_and_a_misaligned_counterfactual():
    m = tiny_model("llama")
    with pytest.raises(TalkscopeError, match="not in the prompt"):
        run_trace(m, PROMPT, "paris", None, "state")
    with pytest.raises(TalkscopeError, match="align token for token"):
        run_trace(m, PROMPT, "france", None, "state", counterfactual="the capital of the mat is")


def test_a_counterfactual_prompt_is_the_corruption():
    m = tiny_model("llama")
    tr = run_trace(m, PROMPT, "france", None, "state", counterfactual="the capital of paris is")
    assert len(tr.corrupted) == 1 and tr.effects[0, -1, -1] == pytest.approx(tr.clean, rel=1e-4)


@pytest.mark.parametrize("arch", ARCH_SAMPLE)
def test_continuation_logprobs_equal_the_full_log_softmax(arch):
    m = tiny_model(arch)
    items = [continuation_item(m, "the cat sat on", "the mat"), sentence_item(m, "a dog ran to the park"),
             continuation_item(m, "the capital of", "france is paris")]
    got = token_logprobs(m, items)
    for item, scores in zip(items, got):
        ids = torch.tensor([item.context + item.continuation])
        with torch.no_grad():
            logp = m.model(ids).logits[0].float().log_softmax(-1)
        n = len(item.continuation)
        want = [float(logp[len(item.context) - 1 + i, t]) for i, t in enumerate(item.continuation)]
        assert scores == pytest.approx(want, abs=1e-4) and len(scores) == n


@pytest.mark.parametrize("arch", ("llama", "gemma3", "gpt2"))
def test_importance_gradient_equals_autograd_of_the_models_own_loss(arch):
    m = tiny_model(arch)
    text = "the cat sat on the mat"
    got = R.gradients(m, [text])
    ids = m.encode(text).tensor("cpu")
    name = next(n for n in R.block_parameters(m) if n.endswith("weight") and R.block_parameters(m)[n].dim() == 2)
    p = R.block_parameters(m)[name]
    p.requires_grad_(True)
    try:
        loss = m.model(ids, labels=ids).loss
        (want,) = torch.autograd.grad(loss, [p])
    finally:
        p.requires_grad_(False)
    torch.testing.assert_close(got[name], want.float(), rtol=1e-4, atol=1e-6)
    assert all(not q.requires_grad and q.grad is None for q in R.block_parameters(m).values())


def test_ablation_zeroes_exactly_the_region_and_puts_back_the_same_bits():
    m = tiny_model("gemma3")
    params = R.block_parameters(m)
    before = {n: p.detach().clone() for n, p in params.items()}
    scores = R.importance(m, R.gradients(m, ["the cat sat on the mat"]))
    top = R.top_region(scores, 5)
    n = sum(p.numel() for p in params.values())
    assert R.size(top) == round(n * 0.05)
    assert R.size(R.top_region(scores, 5, bottom=True)) == round(n * 0.05)
    with pytest.raises(RuntimeError, match="inside"), R.ablated(m, top):
        assert all((params[k].data[mask] == 0).all() for k, mask in top.items())
        assert all(torch.equal(params[k].data[~mask], before[k][~mask]) for k, mask in top.items())
        raise RuntimeError("inside")  # restored even when the work inside fails
    assert all(torch.equal(p, before[k]) for k, p in params.items())


def test_regions_rank_by_importance_and_intersect():
    scores = {"a": torch.tensor([5.0, 1.0, 0.0, 0.0]), "b": torch.tensor([[3.0, 0.0], [2.0, 4.0]])}
    top = R.top_region(scores, 25)  # 2 of 8
    assert top["a"].tolist() == [True, False, False, False] and top["b"].tolist() == [[False, False], [False, True]]
    bottom = R.top_region(scores, 50)
    assert R.size(bottom) == 4 and R.size(R.top_region(scores, 50, bottom=True)) == 4
    core = R.intersect([top, bottom])
    assert R.size(core) == 2 and R.size(R.minus(bottom, core)) == 2
