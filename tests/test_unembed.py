"""The one-pass unembedding (`tools/unembed.py`) against log_softmax over full logits and autograd."""

from __future__ import annotations

import pytest
import torch

from talkscope.tools.engine import unembed


@pytest.mark.parametrize("rows", [1, 6, 33])
@pytest.mark.parametrize("softcap, with_bias", [(None, False), (None, True), (30.0, False)])
def test_label_logprob_and_its_gradient_equal_full_logits(rows, softcap, with_bias):
    g = torch.Generator().manual_seed(rows)
    vocab = 3 * unembed.BLOCK + 17  # several blocks and a ragged last one
    weight = torch.randn(vocab, 24, generator=g)
    bias = torch.randn(vocab, generator=g) if with_bias else None
    labels = torch.randint(0, vocab, (rows,), generator=g)
    labels[0] = vocab - 1  # a label in the last block
    h = torch.randn(rows, 24, generator=g, requires_grad=True)
    ours = unembed.label_logprob(h, weight, bias, labels, softcap)
    (g_ours,) = torch.autograd.grad((ours * torch.arange(1.0, rows + 1)).sum(), h)

    logits = torch.nn.functional.linear(h, weight, bias)
    if softcap:
        logits = torch.tanh(logits / softcap) * softcap
    ref = logits.log_softmax(-1).gather(-1, labels[:, None])[:, 0]
    (g_ref,) = torch.autograd.grad((ref * torch.arange(1.0, rows + 1)).sum(), h)
    torch.testing.assert_close(ours, ref, atol=1e-4, rtol=1e-5)
    torch.testing.assert_close(g_ours, g_ref, atol=1e-4, rtol=1e-4)


def test_no_gradient_is_kept_when_none_is_needed():
    weight, h = torch.randn(100, 8), torch.randn(3, 8)
    out = unembed.label_logprob(h, weight, None, torch.tensor([1, 2, 3]))
    assert not out.requires_grad
