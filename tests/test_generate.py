"""`generate` on the real model: the probabilities it reports are the model's own."""

from __future__ import annotations

import pytest
import torch

from talkscope.tools.base import get_tool
from talkscope.tools.engine.errors import TalkscopeError


@pytest.mark.slow
def test_generate_reports_the_models_own_token_probabilities(ctx, model):
    result = get_tool("generate")(ctx, {"prompt": "The capital of France is", "max_new_tokens": 6})
    data = result.data
    assert len(data["tokens"]) == len(data["probs"]) == len(data["entropy_bits"]) == 6
    assert "".join(data["tokens"]) == data["text"]
    ids = model.encode("The capital of France is").tensor("cpu")
    probs = model.next_token_logits(ids)[0].softmax(-1)
    first = model.tokenizer.encode(data["tokens"][0], add_special_tokens=False)[0]
    assert first == int(probs.argmax()), "greedy: the first token is the most probable one"
    assert data["probs"][0] == pytest.approx(float(probs[first]), abs=1e-5)
    entropy = float(-(probs * probs.clamp_min(1e-45).log2()).sum())
    assert data["entropy_bits"][0] == pytest.approx(entropy, abs=1e-3)
    assert result.args == {"prompt": "The capital of France is", "max_new_tokens": 6}
    assert result.uncertainty.level in {"low", "medium", "high"}
    assert result.uncertainty.score == pytest.approx(1 - data["probs"][0], abs=1e-3)


@pytest.mark.slow
def test_batched_continuations_match_single_ones(model):
    from talkscope.tools.engine.generation import continue_prompts

    prompts = ["The capital of France is", "Water is made of hydrogen and"]
    both = continue_prompts(model, prompts, 5)
    for prompt, batched in zip(prompts, both):
        single = continue_prompts(model, [prompt], 5)[0]
        assert batched.ids == single.ids
        assert batched.probs == pytest.approx(single.probs, abs=1e-4)
    assert torch.isfinite(torch.tensor(both[0].entropies)).all()


@pytest.mark.slow
def test_many_continuations_of_a_long_prompt_share_its_cache_and_match_one_read_alone(model):
    """Above SHARED_PREFIX_MIN_TOKENS, rows continue one read of the prompt: greedy rows equal the plain path's."""
    from talkscope.tools.engine.generation import SHARED_PREFIX_MIN_TOKENS, continue_prompts

    prompt = "The river valley has stone bridges and weekly markets. " * 12 + "The capital of France is"
    assert len(model.encode(prompt)) >= SHARED_PREFIX_MIN_TOKENS
    alone = continue_prompts(model, [prompt], 5)[0]
    rows = continue_prompts(model, [prompt], 5, num_return_sequences=3)
    assert len(rows) == 3
    for row in rows:
        assert row.ids == alone.ids and row.prompt == prompt
        assert row.probs == pytest.approx(alone.probs, abs=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("args, match", [
    ({"prompt": ""}, "non-empty 'prompt'"),
    ({"prompt": "Hi", "max_new_tokens": 0}, "from 1 to"),
    ({"prompt": "Hi", "temperature": 2}, "no argument 'temperature'"),
])
def test_bad_generate_arguments_say_what_to_do(ctx, args, match):
    with pytest.raises(TalkscopeError, match=match):
        get_tool("generate")(ctx, args)


def test_wording_quotes_the_continuation_and_its_first_token():
    from samples import generate

    f = generate()
    assert f.sentences("E1") == ('After "The capital of France is" the model continues with " the capital of the '
                                 'country" [E1]. Its first token, " the", has probability 0.19.')
    assert set(f.to_json()) == {"text", "tokens", "probs", "entropy_bits"}  # the prompt is for the words only
    f.text, f.tokens, f.probs, f.entropy_bits = "", [], [], []
    assert f.sentences("E1") == 'The model ends the text right after "The capital of France is" [E1].'
    assert f.uncertainty().score == 0.0
