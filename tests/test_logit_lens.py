"""`logit_lens` on the real default model, and how its findings are worded."""

from __future__ import annotations

import pytest
import samples
import torch

from talkscope.tools.base import get_tool
from talkscope.tools.engine.errors import TalkscopeError

PROMPT = "The capital of France is"


@pytest.mark.slow
def test_logit_lens_last_layer_is_the_models_own_distribution(ctx, model):
    r = get_tool("logit_lens")(ctx, {"prompt": PROMPT})
    d = r.data
    assert d["layers"] == list(range(19)) and len(d["top"]) == 19
    own = model.next_token_logits(model.encode(PROMPT).tensor("cpu"))[0].softmax(-1)
    p, ids = own.topk(5)
    assert [t["token"] for t in d["top"][-1]] == [model.tokenizer.decode([int(i)]) for i in ids]
    assert [t["prob"] for t in d["top"][-1]] == pytest.approx(p.tolist(), abs=1e-5)
    # " Paris" is decoded at the last position from about layer 13 on (docs/design.md), even though " the" wins
    paris = [ell for ell, top in zip(d["layers"], d["top"]) if any(t["token"] == " Paris" for t in top)]
    assert any(ell >= 12 for ell in paris)


@pytest.mark.slow
def test_logit_lens_exact_at_every_layer_against_hidden_states(model):
    ids = model.encode(PROMPT).tensor("cpu")
    with torch.no_grad():
        hs = model.model(ids, output_hidden_states=True).hidden_states
    ours = model.residual_stream(ids)
    for layer in (0, 7, 17):
        torch.testing.assert_close(model.logits_from_residual(ours[layer, 0, -1]),
                                   model.logits_from_residual(hs[layer][0, -1]))


@pytest.mark.slow
def test_a_layer_that_does_not_exist_says_which_do(ctx):
    with pytest.raises(TalkscopeError, match="layer 19 does not exist"):
        get_tool("logit_lens")(ctx, {"prompt": PROMPT, "layer": [3, 19]})


def test_wording_says_where_the_prediction_settles():
    f = samples.logit_lens()
    assert f.sentences("E1") == (
        'Reading the residual stream at "is" (position 5) through the final norm and unembedding: layer 12 → " is"; '
        'layers 13–14 → " Paris"; layer 18 → " the" (the model has 18 layers; 0 is the embedding output) [E1]. '
        'The top prediction is " the" (p = 0.19) at the last layer and from layer 18 on [E1].')
    f.top[-2] = [{"token": " the", "prob": 0.3}]
    assert f.settles_at() == 14
    one = samples.logit_lens()
    one.layers, one.top = [13], [[{"token": " Paris", "prob": 0.2}]]
    assert 'layer 13 → " Paris" (0.20)' in one.sentences("E2")
    assert f.uncertainty().basis == "top-1 probability 0.19 at layer 18, adjacent-layer stability 0.50"
