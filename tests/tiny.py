"""Tiny randomly initialised models of several architectures, built from configs (no download),
with a word-level (or byte-level BPE) tokenizer trained here, for architecture coverage of the adapter.

Each family is built from transformers' own config and model classes with hidden size 32 and 2-3
layers, so a model builds in milliseconds; what makes the family itself (parallel attention and MLP,
norm offsets, logit soft-capping, tied or biased unembeddings, sliding windows) is kept as the
family's defaults have it."""

from __future__ import annotations

from typing import Any

import torch
import transformers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import (
    GPT2Config,
    GPT2LMHeadModel,
    GPTNeoXConfig,
    GPTNeoXForCausalLM,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedTokenizerFast,
)

from talkscope.tools.engine.model import ModelAdapter

TEXT = ["the cat sat on the mat", "the capital of france is paris", "a dog ran to the park and back"]

INIT = 0.2  # weights 10x the usual scale: logits spread enough that soft-capping and the norms matter
# Special-token ids inside the tiny vocabulary (several families default to their real vocabularies' ids,
# e.g. Phi-3's pad 32000, GPT-J's 50256).
SPECIALS = dict(pad_token_id=0, bos_token_id=2, eos_token_id=3)
SMALL = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, max_position_embeddings=64)
LLAMA_LIKE = dict(SMALL, intermediate_size=64, num_key_value_heads=1)
GEMMA = dict(LLAMA_LIKE, head_dim=16, query_pre_attn_scalar=16, sliding_window=32)

# family -> (config class, model class, config arguments), all from transformers; what makes each family
# itself is left as its defaults have it.
FAMILIES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "qwen2": ("Qwen2Config", "Qwen2ForCausalLM", LLAMA_LIKE),  # q/k/v biases
    "qwen3": ("Qwen3Config", "Qwen3ForCausalLM", dict(LLAMA_LIKE, head_dim=16)),  # q/k norms
    "mistral": ("MistralConfig", "MistralForCausalLM", dict(LLAMA_LIKE, sliding_window=32)),
    "phi3": ("Phi3Config", "Phi3ForCausalLM", LLAMA_LIKE),  # fused q/k/v and gate/up projections
    # Gemma 2: scaled embeddings, 1 + weight norms, sandwich norms, alternating sliding layers, attention
    # and final logit soft-capping (a cap small enough to matter for these logits), tied embeddings
    "gemma2": ("Gemma2Config", "Gemma2ForCausalLM", dict(GEMMA, final_logit_softcapping=2.0)),
    "gemma3": ("Gemma3TextConfig", "Gemma3ForCausalLM", dict(GEMMA, final_logit_softcapping=2.0)),
    "olmo2": ("Olmo2Config", "Olmo2ForCausalLM", LLAMA_LIKE),  # norms after attention and MLP, q/k norms
    # GPT-J: parallel attention and MLP, partial rotary, a biased unembedding
    "gptj": ("GPTJConfig", "GPTJForCausalLM", dict(n_embd=32, n_layer=2, n_head=2, n_inner=64, n_positions=64,
                                                   rotary_dim=8)),
    # Phi-1/1.5/2: parallel attention and MLP, partial rotary, `final_layernorm`, a biased unembedding
    "phi": ("PhiConfig", "PhiForCausalLM", dict(LLAMA_LIKE, partial_rotary_factor=0.5)),
    # Falcon 7B layout: parallel attention and MLP, multi-query attention, rotary, tied embeddings
    "falcon": ("FalconConfig", "FalconForCausalLM", SMALL),
}
# Families whose positions are ALiBi biases: every tool but the packed attribution sweeps (tests/test_families.py)
ALIBI: dict[str, tuple[str, str, dict[str, Any]]] = {
    "falcon_alibi": ("FalconConfig", "FalconForCausalLM", dict(SMALL, alibi=True, multi_query=False,
                                                               parallel_attn=False, bias=True)),  # Falcon-RW
    "bloom": ("BloomConfig", "BloomForCausalLM", dict(hidden_size=32, n_layer=2, n_head=2)),
}
ARCHS = ("gpt2", "gpt_neox", "llama", *FAMILIES)


def tiny_tokenizer(byte_level: bool = False) -> PreTrainedTokenizerFast:
    """A word-level tokenizer of TEXT's words or, with `byte_level`, a byte-level BPE trained on TEXT that
    encodes any text and puts <s> first, as the tokenizers of the real families do (their tools need it:
    patchscope placeholders and sentence-stop strings are not among TEXT's words)."""
    if byte_level:
        return _byte_level_tokenizer()
    tk = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.Whitespace()
    tk.train_from_iterator(TEXT, trainers.WordLevelTrainer(special_tokens=["<pad>", "<unk>", "<s>", "</s>"]))
    return PreTrainedTokenizerFast(tokenizer_object=tk, pad_token="<pad>", unk_token="<unk>",
                                   bos_token="<s>", eos_token="</s>")


def _byte_level_tokenizer() -> PreTrainedTokenizerFast:
    tk = Tokenizer(models.BPE())
    tk.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tk.decoder = decoders.ByteLevel()
    tk.train_from_iterator(TEXT, trainers.BpeTrainer(
        vocab_size=300, special_tokens=["<pad>", "<unk>", "<s>", "</s>"], show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tk.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=True),
        processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", 2)])])
    return PreTrainedTokenizerFast(tokenizer_object=tk, pad_token="<pad>", unk_token="<unk>",
                                   bos_token="<s>", eos_token="</s>")


def _family(arch: str, vocab: int) -> torch.nn.Module:
    """A tiny model of one of FAMILIES or ALIBI, with its norm weights and biases roughened. Classes are
    looked up by name, so a transformers version that lacks one fails here with its name."""
    config_name, model_name, kwargs = {**FAMILIES, **ALIBI}[arch]
    config = getattr(transformers, config_name)(vocab_size=vocab, initializer_range=INIT, **SPECIALS, **kwargs)
    return _roughen(getattr(transformers, model_name)(config))


def _roughen(model: torch.nn.Module) -> torch.nn.Module:
    """Norm weights start as ones (zeros where the norm scales by 1 + weight, as Gemma's) and biases as
    zeros: give every such vector random values, so that a reading that skipped or misapplied a norm (or
    its offset) or the unembedding's bias (GPT-J) cannot match the model by accident."""
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 1:
                p.add_(0.3 * torch.randn_like(p))
        # `padding_idx` zeroes the pad row, the attribution baseline; a zero input is where an RMS norm jumps
        # (x / sqrt(mean x^2 + eps)), which trained models' pad embeddings are not.
        emb = model.get_input_embeddings().weight
        zero = emb.abs().sum(-1) == 0
        emb[zero] = INIT * torch.randn_like(emb[zero])
    return model


def tiny_model(arch: str, byte_level: bool = False) -> ModelAdapter:
    """A tiny model of `arch` (one of ARCHS or ALIBI) with the word-level tokenizer, or the byte-level one."""
    torch.manual_seed(0)
    tok = tiny_tokenizer(byte_level)
    v = len(tok)
    if arch == "gpt2":
        model = GPT2LMHeadModel(GPT2Config(vocab_size=v, n_embd=32, n_layer=3, n_head=2, n_positions=64))
    elif arch == "gpt_neox":
        model = GPTNeoXForCausalLM(GPTNeoXConfig(vocab_size=v, hidden_size=32, num_hidden_layers=3,
                                                 num_attention_heads=2, intermediate_size=64,
                                                 max_position_embeddings=64))
    elif arch in FAMILIES or arch in ALIBI:
        model = _family(arch, v)
    else:
        model = LlamaForCausalLM(LlamaConfig(vocab_size=v, hidden_size=32, num_hidden_layers=3,
                                             num_attention_heads=2, num_key_value_heads=1,
                                             intermediate_size=64, max_position_embeddings=64))
    return ModelAdapter(model, tok, name=f"tiny-{arch}")
