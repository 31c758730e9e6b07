"""Captum 0.9 reference attributions under talkscope's conventions (pad-token baseline, BOS skipped,
summed target log-probability), shared by the tests and the speed benchmark."""

from __future__ import annotations

import torch
from captum.attr import (
    FeatureAblation,
    LayerIntegratedGradients,
    LLMAttribution,
    LLMGradientAttribution,
    TextTokenInput,
)

from talkscope.tools.engine.model import ModelAdapter


def _input(model: ModelAdapter, prompt: str) -> TextTokenInput:
    tok = model.tokenizer
    return TextTokenInput(prompt, tok, baselines=tok.pad_token_id, skip_tokens=list(tok.all_special_ids))


def captum_occlusion(model: ModelAdapter, prompt: str, target_ids: list[int],
                     forward_in_tokens: bool = False) -> list[float]:
    """Feature ablation, one forward per perturbation. `forward_in_tokens=False` runs prompt and target
    in one forward; Captum's default (True) runs the prompt, then one cached step per further target
    token. They should score the same, but with transformers 5.23 the cached steps score multi-token
    targets wrongly (benchmarks/README.md), so this function defaults to False, which the tests use."""
    fa = LLMAttribution(FeatureAblation(model.model), model.tokenizer)
    res = fa.attribute(_input(model, prompt), target=torch.tensor(target_ids), forward_in_tokens=forward_in_tokens)
    return res.seq_attr.tolist()


def captum_integrated_gradients(model: ModelAdapter, prompt: str, target_ids: list[int],
                                n_steps: int = 32) -> list[float]:
    lig = LayerIntegratedGradients(model.model, model.model.get_input_embeddings())
    res = LLMGradientAttribution(lig, model.tokenizer).attribute(
        _input(model, prompt), target=torch.tensor(target_ids), n_steps=n_steps)
    return res.seq_attr.tolist()
