"""What the adapter must know about particular architecture families, kept apart from `model.py`.

Most families need nothing beyond finding their parts: the final norm is the model's own module (so
Gemma's `1 + weight` and OLMo 2's or Gemma 2's extra norms are applied as the model applies them), the
unembedding is `get_output_embeddings()` (tied or not, with GPT-J's and Phi's bias), Gemma 2's final
logit soft-capping is read from the config, and parallel attention/MLP blocks (GPT-J, Falcon, Phi) are
still one block with one residual output. What remains is here: where the parts are, the switch to
eager attention for models that refuse to switch (Falcon), and what ALiBi positions (BLOOM, Falcon-RW)
rule out.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from torch import nn

from talkscope.tools.engine.errors import TalkscopeError

# Where each supported family keeps its decoder blocks and final norm, relative to `base_model`.
LAYER_ATTRS = ("layers", "h", "decoder.layers")  # Llama/Gemma/Qwen/Mistral/Phi/OLMo/NeoX; GPT-2/J, Falcon; OPT
NORM_ATTRS = ("norm", "ln_f", "final_layer_norm", "final_layernorm", "decoder.final_layer_norm")  # Phi-1/2: 4th
# Inside one decoder block: its MLP and its attention (whose output is a tensor or a tuple led by one).
BLOCK_PARTS = {"mlp": ("mlp", "feed_forward"), "attn": ("self_attn", "attn", "self_attention", "attention")}
SUPPORTED = ("Gemma (1-3), Llama, Mistral, Qwen2, Qwen3, Phi (1-3), OLMo 2, GPT-2, GPT-J, GPT-NeoX, Falcon and "
             "BLOOM style decoder-only models")


def family(model: nn.Module) -> str:
    """The architecture family as a user would recognise it: the config's `model_type` (e.g. 'qwen2')."""
    config = getattr(model, "config", None)
    return str(getattr(config, "model_type", "") or type(model).__name__)


def find_part(model: nn.Module, paths: Sequence[str], what: str) -> Any:
    """The first of `paths` (dotted attributes of the base model) that exists. A family that has none is
    refused by name: reading or patching a guessed module would give plausible wrong answers."""
    base = model.base_model
    for path in paths:
        obj: Any = base
        for part in path.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                break
        if obj is not None:
            return obj
    raise TalkscopeError(
        f"talkscope does not support {family(model)} models ({type(model).__name__}): it finds no {what} "
        f"(looked for {', '.join(paths)} in {type(base).__name__}). Supported: {SUPPORTED}"
    )


def block_part(block: nn.Module, part: str, model: nn.Module) -> nn.Module:
    """A decoder block's MLP (`part="mlp"`) or attention (`"attn"`), refused by name where the family keeps
    it elsewhere."""
    for attr in BLOCK_PARTS[part]:
        module = getattr(block, attr, None)
        if isinstance(module, nn.Module):
            return module
    raise TalkscopeError(f"talkscope finds no {part} module in {family(model)}'s decoder blocks (looked for "
                         f"{', '.join(BLOCK_PARTS[part])} in {type(block).__name__}); ask for kind 'state' instead")


ALIBI_FAMILIES = ("bloom",)  # ALiBi always; Falcon only where its config says `alibi` (Falcon-RW)


def uses_alibi(model: nn.Module) -> bool:
    """Whether attention positions are ALiBi biases (BLOOM, Falcon-RW), which transformers computes from the
    2D padding mask alone: a custom 4D mask cannot be given, so packed rows are impossible."""
    return bool(getattr(model.config, "alibi", False)) or family(model) in ALIBI_FAMILIES


def refuse_custom_mask(model: nn.Module, name: str) -> None:
    """Packed rows under a custom attention mask (occlusion, contrast) are refused by family on ALiBi
    models; a plain forward, a padded batch and a cached prefix are fine."""
    if uses_alibi(model):
        raise TalkscopeError(f"occlusion and contrast scoring are not available for {family(model)} models with "
                             f"ALiBi positions ({name}): they pack rows under a custom attention mask, which these "
                             "models do not take; ask for integrated_gradients, saliency or input_x_gradient, "
                             "without a contrast")


def refuse_attention_weights(model: nn.Module, name: str) -> None:
    """Falcon with ALiBi returns attention weights from a path that adds the ALiBi bias twice (its logits
    differ from the model's own forward), so they are refused rather than shown."""
    if family(model) == "falcon" and uses_alibi(model):
        raise TalkscopeError(f"attention weights are not available for {family(model)} models with ALiBi "
                             f"positions ({name}): transformers computes them with the ALiBi bias added twice; "
                             "ask for integrated_gradients, saliency or input_x_gradient")


@contextmanager
def eager_attention(model: nn.Module) -> Iterator[None]:
    """Eager attention for the forward that returns attention probabilities. A model class that cannot
    switch (Falcon: transformers declines, with a warning) still reads the setting from its config at run
    time, so the config is set; left on sdpa, Falcon's attention-returning path adds sdpa's boolean mask
    as numbers, i.e. its "attention weights" attend to later tokens and are not the model's."""
    previous = model.config._attn_implementation
    _set_attention(model, "eager")
    try:
        yield
    finally:
        _set_attention(model, previous)


def _set_attention(model: nn.Module, implementation: str) -> None:
    if model.config._attn_implementation == implementation:
        return
    if getattr(type(model), "_can_set_attn_implementation", lambda: True)():
        model.set_attn_implementation(implementation)
    else:
        model.config._attn_implementation = implementation


def cache_kwargs(model: nn.Module, cache: Any) -> dict[str, Any]:
    """A key/value cache as a keyword for `model`'s forward and `generate`: `cache` where this version of
    transformers has renamed it (5.2x: the old `past_key_values` warns and will be removed), else
    `past_key_values`. Read from the base model's forward, whose keyword the causal-LM forward and `generate`
    pass the cache on to."""
    return {_cache_keyword(type(model.base_model)): cache}


@functools.cache
def _cache_keyword(base: type) -> str:
    return "cache" if "cache" in inspect.signature(base.forward).parameters else "past_key_values"


def output_cache(out: Any) -> Any:
    """The key/value cache a forward with `use_cache=True` returned (`cache`, or `past_key_values` before the
    rename)."""
    cache = getattr(out, "cache", None)
    return cache if cache is not None else getattr(out, "past_key_values", None)
