"""The same code on a CUDA device: tiny random models of three architectures give, on the GPU, the residual
stream, the logit lens, attribution scores and a patchscope-style patch that they give on the CPU (float32
both sides). Skipped without CUDA (CI has none)."""

from __future__ import annotations

import pytest
import torch
from tiny import tiny_model

from talkscope.tools.engine.attr_methods import Scorer, get_method

pytestmark = pytest.mark.gpu
TEXT = "the cat sat on the mat"


def pair(arch: str):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    cpu, gpu = tiny_model(arch), tiny_model(arch)
    gpu.model.to("cuda")
    assert str(gpu.device).startswith("cuda") and gpu.describe()["device"].startswith("cuda")
    return cpu, gpu


@pytest.mark.parametrize("arch", ["llama", "gpt2", "gpt_neox"])
def test_residual_stream_and_logit_lens_match_the_cpu(arch):
    cpu, gpu = pair(arch)
    enc = cpu.encode(TEXT)
    a = cpu.residual_stream(enc.tensor("cpu"))
    b = gpu.residual_stream(enc.tensor(gpu.device)).cpu()
    torch.testing.assert_close(b, a, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(gpu.logits_from_residual(b[:, 0, -1].to(gpu.device)).cpu(),
                               cpu.logits_from_residual(a[:, 0, -1]), atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("arch", ["llama", "gpt2", "gpt_neox"])
@pytest.mark.parametrize("method", ["integrated_gradients", "occlusion", "saliency"])
def test_attribution_scores_match_the_cpu(arch, method):
    cpu, gpu = pair(arch)
    enc = cpu.encode(TEXT)
    a = get_method(method).attribute(Scorer(cpu, enc.ids, [5, 7], None, enc.special)).scores
    b = get_method(method).attribute(Scorer(gpu, enc.ids, [5, 7], None, enc.special)).scores
    assert b == pytest.approx(a, abs=1e-3, rel=1e-3)


@pytest.mark.parametrize("arch", ["llama", "gpt2", "gpt_neox"])
def test_patching_a_layer_changes_the_same_prediction_on_both(arch):
    from talkscope.tools.engine.model import Patch

    cpu, gpu = pair(arch)
    enc = cpu.encode(TEXT)
    ids = enc.tensor("cpu")
    other = cpu.residual_stream(cpu.encode("a dog ran to the park").tensor("cpu"))[2, 0, -1]
    outs = []
    for m in (cpu, gpu):
        with m.patch([Patch(layer=2, position=len(enc) - 1, vector=other.to(m.device))]):
            outs.append(m.next_token_logits(ids.to(m.device)).cpu())
    torch.testing.assert_close(outs[1], outs[0], atol=1e-4, rtol=1e-4)
