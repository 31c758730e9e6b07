"""The BERT encoder of all-MiniLM-L6-v2 in plain torch, for fast start-up.

Why not transformers or sentence-transformers: importing either model stack pulls in scipy (transformers'
loss utilities) and, for sentence-transformers, scikit-learn, and costs several seconds on this project's
2-core machines; the router embeds one turn and must start fast. The model is a standard post-norm BERT
(6 layers, 12 heads, hidden 384, exact GELU, absolute positions), read from the package's safetensors
and tokenized with its own `tokenizer.json` through the `tokenizers` library. `tests/test_embed.py`
checks that the sentence vectors equal sentence-transformers' own on the same texts.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn.functional as F  # noqa: N812


class MiniLM:
    """Token states of a BERT checkpoint (inference only): ids [B, T], mask [B, T] -> [B, T, H]."""

    def __init__(self, folder: Path, device: str = "cpu") -> None:
        from safetensors.torch import load_file

        self.config = json.loads((folder / "config.json").read_text())
        self.w = {k: v.to(device) for k, v in load_file(str(folder / "model.safetensors")).items()}
        self.heads = int(self.config["num_attention_heads"])
        self.layers = int(self.config["num_hidden_layers"])
        self.eps = float(self.config["layer_norm_eps"])
        self.hidden_size = int(self.config["hidden_size"])
        if self.config.get("hidden_act") != "gelu" or self.config.get("position_embedding_type") != "absolute":
            raise ValueError(f"{folder} is not a plain BERT encoder (hidden_act gelu, absolute positions)")

    def _linear(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return F.linear(x, self.w[f"{name}.weight"], self.w[f"{name}.bias"])

    def _norm(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return F.layer_norm(x, (x.shape[-1],), self.w[f"{name}.weight"], self.w[f"{name}.bias"], self.eps)

    @torch.inference_mode()
    def __call__(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, t = ids.shape
        e = "embeddings"
        x = (self.w[f"{e}.word_embeddings.weight"][ids] + self.w[f"{e}.position_embeddings.weight"][:t][None]
             + self.w[f"{e}.token_type_embeddings.weight"][0])
        x = self._norm(x, f"{e}.LayerNorm")
        keep = mask[:, None, None, :].bool()  # [B, 1, 1, T]: attend to real tokens only
        for i in range(self.layers):
            p = f"encoder.layer.{i}"

            def split(z: torch.Tensor) -> torch.Tensor:
                return z.view(b, t, self.heads, -1).transpose(1, 2)  # [B, heads, T, d]

            q, k, v = (split(self._linear(x, f"{p}.attention.self.{n}")) for n in ("query", "key", "value"))
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=keep).transpose(1, 2).reshape(b, t, -1)
            x = self._norm(x + self._linear(a, f"{p}.attention.output.dense"), f"{p}.attention.output.LayerNorm")
            h = F.gelu(self._linear(x, f"{p}.intermediate.dense"))
            x = self._norm(x + self._linear(h, f"{p}.output.dense"), f"{p}.output.LayerNorm")
        return x
