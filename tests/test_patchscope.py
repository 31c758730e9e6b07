"""`patchscope` and `logit_lens` on the real default model."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from talkscope.tools.base import get_tool
from talkscope.tools.errors import TalkscopeError
from talkscope.tools.patching import run_patchscope

PROMPT = "The capital of France is"


def test_identity_patchscope_decodes_the_token_in_early_layers(ctx):
    r = get_tool("patchscope")(ctx, {"prompt": PROMPT, "token": "France", "layer": None, "kind": "identity"})
    d = r.data
    assert d["layers"] == list(range(19)) and len(d["decoded"]) == len(d["decoded_logprob"]) == 19
    assert d["position"] == 4 and d["token"] == " France"
    assert all(d["decoded"][ell].strip() == "France" for ell in range(0, 5)), d["decoded"]
    assert all(lp <= 0 for lp in d["decoded_logprob"])
    assert Path(r.figure).is_file()
    assert 0 <= d["stability"] <= 1


def test_batched_sweep_equals_one_patch_at_a_time(model):
    enc = model.encode(PROMPT)
    hidden = model.residual_stream(enc.tensor("cpu"), layers=[2, 9, 15])[:, 0, 4]
    target = "cat -> cat\n1135 -> 1135\nhello -> hello\n?"
    batched = run_patchscope(model, hidden, [2, 9, 15], target, "?", 3)
    single = [run_patchscope(model, hidden[i:i + 1], [ell], target, "?", 3)[0] for i, ell in enumerate([2, 9, 15])]
    assert [b.text for b in batched] == [s.text for s in single]
    assert [b.logprob for b in batched] == pytest.approx([s.logprob for s in single], abs=1e-3)


def test_attribute_and_custom_patchscopes(ctx):
    r = get_tool("patchscope")(ctx, {"prompt": "Paris is a beautiful city", "token": "Paris", "layer": [4, 6],
                                     "kind": "attribute", "relation": "country"})
    assert r.data["target_prompt"] == "x is located in the country of" and len(r.data["decoded"]) == 2
    assert any("France" in x for x in r.data["decoded"]), r.data["decoded"]
    c = get_tool("patchscope")(ctx, {"prompt": "Paris is a beautiful city", "token": "Paris", "layer": [4, 6],
                                     "kind": "custom", "target_prompt": "x is located in the country of"})
    assert c.data["decoded"] == r.data["decoded"], "a custom prompt equal to a preset's gives the same decoding"


def test_logit_lens_last_layer_is_the_models_own_distribution(ctx, model):
    r = get_tool("logit_lens")(ctx, {"prompt": PROMPT})
    d = r.data
    assert d["layers"] == list(range(19)) and len(d["top"]) == 19
    own = model.next_token_logits(model.encode(PROMPT).tensor("cpu"))[0].softmax(-1)
    p, ids = own.topk(5)
    assert [t["token"] for t in d["top"][-1]] == [model.tokenizer.decode([int(i)]) for i in ids]
    assert [t["prob"] for t in d["top"][-1]] == pytest.approx(p.tolist(), abs=1e-5)
    # " Paris" is decoded at the last position from about layer 13 on (DESIGN.md), even though " the" wins
    paris = [ell for ell, top in zip(d["layers"], d["top"]) if any(t["token"] == " Paris" for t in top)]
    assert any(ell >= 12 for ell in paris)


def test_logit_lens_exact_at_every_layer_against_hidden_states(model):
    ids = model.encode(PROMPT).tensor("cpu")
    with torch.no_grad():
        hs = model.model(ids, output_hidden_states=True).hidden_states
    ours = model.residual_stream(ids)
    for layer in (0, 7, 17):
        torch.testing.assert_close(model.logits_from_residual(ours[layer, 0, -1]),
                                   model.logits_from_residual(hs[layer][0, -1]))


@pytest.mark.parametrize("tool, args, match", [
    ("patchscope", {"prompt": PROMPT, "layer": 40}, "layers 0-18"),
    ("patchscope", {"prompt": PROMPT, "token": "Germany"}, "not in the prompt; its tokens are: 'The'"),
    ("patchscope", {"prompt": PROMPT, "kind": "custom", "target_prompt": ""}, "needs a target_prompt"),
    ("patchscope", {"prompt": PROMPT, "kind": "custom", "target_prompt": "The capital is"}, "no placeholder"),
    ("patchscope", {"prompt": PROMPT, "kind": "attribute", "relation": "weather"}, "choose one of: capital"),
    ("logit_lens", {"prompt": PROMPT, "layer": [3, 19]}, "layer 19 does not exist"),
])
def test_bad_input_says_what_to_do(ctx, tool, args, match):
    with pytest.raises(TalkscopeError, match=match):
        get_tool(tool)(ctx, args)
