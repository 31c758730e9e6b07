"""The adapter on the real default model and on tiny models of other architectures."""

from __future__ import annotations

import pytest
import torch
from tiny import tiny_model

from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.model import Patch

PROMPT = "The capital of France is"


@pytest.mark.slow
def test_default_model_facts(model):
    assert model.n_layers == 18 and model.hidden_size == 640
    assert model.device.type == "cpu" and model.dtype == torch.float32


@pytest.mark.slow
def test_layer_numbering_matches_hidden_states_except_last_is_raw(model):
    ids = model.encode(PROMPT).tensor(model.device)
    ours = model.residual_stream(ids)  # [19, 1, T, 640]
    with torch.no_grad():
        theirs = model.model(ids, output_hidden_states=True).hidden_states
    assert ours.shape == (19, 1, ids.shape[1], 640)
    for layer in range(model.n_layers):
        torch.testing.assert_close(ours[layer], theirs[layer])
    # transformers returns the *normed* stream at L; ours is the raw one, and the norm of ours is theirs
    assert not torch.allclose(ours[-1], theirs[-1])
    torch.testing.assert_close(model._norm(ours[-1]), theirs[-1])


@pytest.mark.slow
def test_unembedding_of_last_layer_is_the_models_own_prediction(model):
    ids = model.encode(PROMPT).tensor(model.device)
    last = model.residual_stream(ids, layers=[model.n_layers])[0, 0, -1]
    torch.testing.assert_close(model.logits_from_residual(last)[None], model.next_token_logits(ids))


@pytest.mark.slow
def test_patch_with_own_state_changes_nothing_and_foreign_state_changes_prediction(model):
    enc = model.encode(PROMPT)
    ids = enc.tensor(model.device)
    base = model.next_token_logits(ids)
    own = model.residual_stream(ids, layers=[6])[0, 0, 4]
    with model.patch([Patch(layer=6, position=4, vector=own)]):
        torch.testing.assert_close(model.next_token_logits(ids), base)
    other = model.encode("The capital of Japan is")
    japan = model.residual_stream(other.tensor(model.device), layers=[6])[0, 0, 4]
    with model.patch([Patch(layer=6, position=4, vector=japan)]):
        patched = model.next_token_logits(ids)
    tokyo = model.tokenizer.encode(" Tokyo", add_special_tokens=False)[0]
    paris = model.tokenizer.encode(" Paris", add_special_tokens=False)[0]
    assert patched[0, tokyo] - patched[0, paris] > base[0, tokyo] - base[0, paris] + 1.0
    assert torch.equal(model.next_token_logits(ids), base), "the patch must end with the block"


@pytest.mark.slow
def test_patch_during_generate_leaves_cache_steps_alone(model):
    enc = model.encode(PROMPT)
    ids = enc.tensor(model.device)
    own = model.residual_stream(ids, layers=[0])[0, 0, 1]
    plain = model.model.generate(ids, max_new_tokens=5, do_sample=False)
    with model.patch([Patch(layer=0, position=1, vector=own)]):
        patched = model.model.generate(ids, max_new_tokens=5, do_sample=False)
    assert torch.equal(plain, patched)


@pytest.mark.slow
def test_positions_and_layers_are_checked(model):
    enc = model.encode(PROMPT)
    assert enc.tokens[0] == "<bos>" and enc.special[0]
    assert model.position_of(enc, None) == 5
    assert model.position_of(enc, "France") == 4
    assert model.position_of(enc, "capital of") == 3
    assert model.position_of(enc, -2) == 4
    with pytest.raises(TalkscopeError, match="layers 0-18"):
        model.check_layers(40)
    with pytest.raises(TalkscopeError, match="not in the prompt.*France"):
        model.position_of(enc, "Germany")
    with pytest.raises(TalkscopeError, match="empty"):
        model.encode("   ")
    assert model.check_layers(None) == list(range(19))


@pytest.mark.parametrize("arch", ["gpt2", "gpt_neox", "llama"])
def test_adapter_covers_other_architectures(arch):
    m = tiny_model(arch)
    enc = m.encode("the cat sat on the mat")
    ids = enc.tensor("cpu")
    hs = m.residual_stream(ids)
    assert hs.shape == (4, 1, len(enc), 32)
    with torch.no_grad():
        theirs = m.model(ids, output_hidden_states=True).hidden_states
    for layer in range(3):
        torch.testing.assert_close(hs[layer], theirs[layer])
    torch.testing.assert_close(m.logits_from_residual(hs[-1, :, -1]), m.next_token_logits(ids))
    # patching the last position's final state with another prompt's changes the prediction to its
    other = m.residual_stream(m.encode("a dog ran to the park").tensor("cpu"), layers=[3])[0, 0, -1]
    with m.patch([Patch(3, len(enc) - 1, other)]):
        torch.testing.assert_close(m.next_token_logits(ids)[0], m.logits_from_residual(other))


@pytest.mark.gpu
def test_cuda_bf16_matches_cpu_prediction():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    from talkscope.tools.engine.loading import load_model

    gpu = load_model("default")
    assert gpu.device.type == "cuda" and gpu.dtype == torch.bfloat16
    cpu = load_model("default", device="cpu")
    ids = cpu.encode(PROMPT).tensor("cpu")
    assert gpu.next_token_logits(ids.cuda()).argmax().item() == cpu.next_token_logits(ids).argmax().item()
