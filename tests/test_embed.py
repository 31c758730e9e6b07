"""The packaged embedder: the same vectors as sentence-transformers' own pipeline for the model."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.slow

TEXTS = ["Why did the model say X after X?", "The Eiffel Tower is in Paris.", "",
         "a much longer passage " * 80, "Ünïcödé and emoji 🚀 text"]


def test_vectors_equal_sentence_transformers():
    from sentence_transformers import SentenceTransformer

    from talkscope.retrieval.embed import load_embedder, model_folder

    ours = load_embedder().encode(TEXTS)
    reference = SentenceTransformer(str(model_folder()), device="cpu").encode(TEXTS, normalize_embeddings=True)
    assert ours.shape == (len(TEXTS), 384)
    assert np.allclose(ours, reference, atol=1e-5)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
