"""`patchscope` on the real default model, and how its findings are worded."""

from __future__ import annotations

from pathlib import Path

import pytest
import samples

from talkscope.tools.base import get_tool
from talkscope.tools.engine.drawing import wait_for_figures
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.patching import run_patchscope

PROMPT = "The capital of France is"


@pytest.mark.slow
def test_identity_patchscope_decodes_the_token_in_early_layers(ctx):
    r = get_tool("patchscope")(ctx, {"prompt": PROMPT, "token": "France", "layer": None, "kind": "identity"})
    d = r.data
    assert d["layers"] == list(range(19)) and len(d["decoded"]) == len(d["decoded_logprob"]) == 19
    assert d["position"] == 4 and d["token"] == " France"
    assert all(d["decoded"][ell].strip() == "France" for ell in range(0, 5)), d["decoded"]
    assert all(lp <= 0 for lp in d["decoded_logprob"])
    assert wait_for_figures() == [] and Path(r.figure).read_bytes()[:4] == b"\x89PNG"
    assert 0 <= d["stability"] <= 1


@pytest.mark.slow
def test_batched_sweep_equals_one_patch_at_a_time(model):
    enc = model.encode(PROMPT)
    hidden = model.residual_stream(enc.tensor("cpu"), layers=[2, 9, 15])[:, 0, 4]
    target = "cat -> cat\n1135 -> 1135\nhello -> hello\n?"
    batched = run_patchscope(model, hidden, [2, 9, 15], target, "?", 3)
    single = [run_patchscope(model, hidden[i:i + 1], [ell], target, "?", 3)[0] for i, ell in enumerate([2, 9, 15])]
    assert [b.text for b in batched] == [s.text for s in single]
    assert [b.logprob for b in batched] == pytest.approx([s.logprob for s in single], abs=1e-3)


@pytest.mark.slow
def test_attribute_and_custom_patchscopes(ctx):
    r = get_tool("patchscope")(ctx, {"prompt": "Paris is a beautiful city", "token": "Paris", "layer": [4, 6],
                                     "kind": "attribute", "relation": "country"})
    assert r.data["target_prompt"] == "x is located in the country of" and len(r.data["decoded"]) == 2
    assert any("France" in x for x in r.data["decoded"]), r.data["decoded"]
    c = get_tool("patchscope")(ctx, {"prompt": "Paris is a beautiful city", "token": "Paris", "layer": [4, 6],
                                     "kind": "custom", "target_prompt": "x is located in the country of"})
    assert c.data["decoded"] == r.data["decoded"], "a custom prompt equal to a preset's gives the same decoding"


@pytest.mark.slow
@pytest.mark.parametrize("tool, args, match", [
    ("patchscope", {"prompt": PROMPT, "layer": 40}, "layers 0-18"),
    ("patchscope", {"prompt": PROMPT, "token": "Germany"}, "not in the prompt; its tokens are: 'The'"),
    ("patchscope", {"prompt": PROMPT, "kind": "custom", "target_prompt": ""}, "needs a target_prompt"),
    ("patchscope", {"prompt": PROMPT, "kind": "custom", "target_prompt": "The capital is"}, "no placeholder"),
    ("patchscope", {"prompt": PROMPT, "kind": "attribute", "relation": "weather"}, "choose one of: capital"),
])
def test_bad_input_says_what_to_do(ctx, tool, args, match):
    with pytest.raises(TalkscopeError, match=match):
        get_tool(tool)(ctx, args)


def test_wording_groups_layers_and_flags_format_only_decodings():
    f = samples.patchscope()
    text = f.sentences("E3")
    assert text.startswith('The identity patchscope reads the hidden state of "France" (position 4) and decodes it as: '
                           'layers 2–3 → "France"; layer 4 → nothing but the prompt format; layer 5 → "Paris" '
                           "(the model has 18 layers; 0 is the embedding output) [E3].")
    assert "At layer 4 the decoding is only the target prompt's format" in text
    assert f.uncertainty().basis == "mean first-token probability 0.60, adjacent-layer stability 0.75"
    assert f.uncertainty().score == pytest.approx(1 - 0.5 * (0.6 + 0.75))
    assert "layers [4] decode only the prompt format" in f.summary()
    assert set(f.to_json()) == {"position", "token", "layers", "decoded", "decoded_logprob", "first_prob", "kind",
                                "target_prompt", "stability", "format_only_layers", "n_layers", "target_model",
                                "target_layers"}
