"""Tiny randomly initialised models of several architectures, built from configs (no download),
with a word-level tokenizer trained here, for architecture coverage of the adapter."""

from __future__ import annotations

import torch
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
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


def tiny_tokenizer() -> PreTrainedTokenizerFast:
    tk = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.Whitespace()
    tk.train_from_iterator(TEXT, trainers.WordLevelTrainer(special_tokens=["<pad>", "<unk>", "<s>", "</s>"]))
    return PreTrainedTokenizerFast(tokenizer_object=tk, pad_token="<pad>", unk_token="<unk>",
                                   bos_token="<s>", eos_token="</s>")


def tiny_model(arch: str) -> ModelAdapter:
    torch.manual_seed(0)
    tok = tiny_tokenizer()
    v = len(tok)
    if arch == "gpt2":
        model = GPT2LMHeadModel(GPT2Config(vocab_size=v, n_embd=32, n_layer=3, n_head=2, n_positions=64))
    elif arch == "gpt_neox":
        model = GPTNeoXForCausalLM(GPTNeoXConfig(vocab_size=v, hidden_size=32, num_hidden_layers=3,
                                                 num_attention_heads=2, intermediate_size=64,
                                                 max_position_embeddings=64))
    else:
        model = LlamaForCausalLM(LlamaConfig(vocab_size=v, hidden_size=32, num_hidden_layers=3,
                                             num_attention_heads=2, num_key_value_heads=1,
                                             intermediate_size=64, max_position_embeddings=64))
    return ModelAdapter(model, tok, name=f"tiny-{arch}")
