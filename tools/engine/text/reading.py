"""The local model's reading of every example, in one forward pass per batch: the mean surprisal of the text's
tokens (nats per token, each token given the ones before it) and the hidden states at every layer, mean-pooled
over the text's own tokens (the BOS token's state is left out: its norm dwarfs the others).

Batches are formed by length (similar lengths together: little padding) under a token budget, and only what is
needed is computed: the unembedding streams over the vocabulary in blocks (`ModelAdapter.token_logprob`), never
materialising a [tokens, 262k] logit matrix. On a CPU that unembedding is more than half of the cost (262k x 640
multiply-adds per token, against about 100M in the decoder blocks), and a plain loop pays it too: batching by
length speeds up the rest (benchmarks/README.md, "Text datasets").

Results are cached by content: each example's key hashes the model and the text, and each finished shard of
`SHARD` examples is written atomically, so an interrupted run resumes where it stopped and a text seen before (in
any file) is not read again.

`compute_rows` is the unit of work the Ray path (`scale.py`) runs on each actor; the local path runs it here.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from talkscope.tools.engine.model import ModelAdapter

MAX_TOKENS = 256  # tokens read per example (with BOS); longer texts are cut, with a note
BATCH_TOKENS = 4096  # padded tokens per forward pass
SHARD = 256  # examples per cache file
VERSION = 2
F16_MAX = 65000.0  # pooled states are stored as float16 (their range is about +-65504)


@dataclass
class Readings:
    """Per example (in the order asked): mean surprisal, tokens read, and pooled states [L+1, N, D] float16."""

    surprisal: np.ndarray
    tokens: np.ndarray
    states: np.ndarray
    truncated: int = 0
    from_cache: int = 0


def bar(progress: Any, total: int, what: str) -> Any:
    """`progress(total, what)` (a context manager yielding advance(n)), or a silent one when there is none."""
    return progress(total, what) if progress else contextlib.nullcontext(lambda n: None)


def cached_array(path: Path | None, what: str, build: Callable[[], np.ndarray]) -> np.ndarray:
    """An array built once and kept as a .npy file (`cachefile.load_or_build`: atomic, under a lock); `path` None:
    built every time."""
    if path is None:
        return build()
    from talkscope.tools.engine.cachefile import load_or_build

    def encode(a: np.ndarray) -> bytes:
        buf = io.BytesIO()
        np.save(buf, a)
        return buf.getvalue()

    return load_or_build(path, what, lambda f: np.load(f, allow_pickle=False), build, encode)


def model_key(model: ModelAdapter) -> str:
    """The model, its precision and the device kind: bf16 on a GPU and fp32 on a CPU read texts differently."""
    what = f"{model.source}|{model.name}|{model.dtype}|{model.device.type}|v{VERSION}|{MAX_TOKENS}"
    return hashlib.sha256(what.encode()).hexdigest()[:16]


def example_keys(model: ModelAdapter, texts: Iterable[str], reader: str = "") -> list[str]:
    """Each text's cache key: the model (`model_key`), where it was read when not in this process (`reader`, e.g.
    a Ray GPU actor's "cuda bf16"), and the text."""
    base = model_key(model) + reader
    return [hashlib.sha256(f"{base}|{t}".encode()).hexdigest()[:24] for t in texts]


def encode_all(model: ModelAdapter, texts: list[str]) -> list[list[int]]:
    """Token ids per text, with the model's BOS, cut to `MAX_TOKENS` (one more is kept to tell a cut text: see
    `compute_rows`)."""
    out = model.tokenizer(texts, add_special_tokens=True)["input_ids"]
    return [list(ids[:MAX_TOKENS + 1]) for ids in out]


def batches(lengths: list[int], budget: int = BATCH_TOKENS) -> list[list[int]]:
    """Indices grouped by length (longest first, so a memory problem shows at once) under a padded-token
    budget."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    out: list[list[int]] = []
    for i in order:
        if out and (len(out[-1]) + 1) * lengths[out[-1][0]] <= budget:
            out[-1].append(i)
        else:
            out.append([i])
    return out


@torch.no_grad()
def forward_rows(model: ModelAdapter, ids: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """(mean surprisal [B], pooled states [L+1, B, D] float32) for one batch of token id lists."""
    batch, mask = model.left_pad(ids)
    hs = model.residual_stream(batch, attention_mask=mask)  # [L+1, B, T, D]
    width = batch.shape[1]
    keep = mask.clone()
    specials = set(model.tokenizer.all_special_ids)
    bos = [r for r, s in enumerate(ids) if s[0] in specials and len(s) > 1]
    keep[bos, [width - len(ids[r]) for r in bos]] = 0  # the BOS position
    m = keep[None, :, :, None].to(hs.dtype)
    pooled = (hs * m).sum(2) / m.sum(2).clamp(min=1)
    # position t predicts token t + 1 (both inside the text)
    src = (mask[:, :-1] * mask[:, 1:]).bool()
    normed = model.final_norm(hs[-1][:, :-1][src])
    nats = -model.token_logprob(normed, batch[:, 1:][src])
    sums = torch.zeros(len(ids)).index_add_(0, src.nonzero()[:, 0].cpu(), nats.float().cpu())
    counts = src.sum(1).clamp(min=1).cpu()
    return (sums / counts).numpy(), pooled.float().cpu().numpy()


def compute_rows(model: ModelAdapter, texts: list[str], advance: Callable[[int], None] | None = None,
                 ids: list[list[int]] | None = None) -> dict[str, np.ndarray]:
    """The model's reading of `texts` (in order): {"surprisal", "tokens", "states" [N, L+1, D] float16}. `tokens` is
    the number read, or `MAX_TOKENS + 1` for a text that was cut to `MAX_TOKENS`."""
    full = ids if ids is not None else encode_all(model, texts)
    ids = [s[:MAX_TOKENS] for s in full]
    n = len(texts)
    surprisal = np.zeros(n, dtype=np.float32)
    states = np.zeros((n, model.n_layers + 1, model.hidden_size), dtype=np.float16)
    for rows in batches([len(s) for s in ids]):
        s, pooled = forward_rows(model, [ids[i] for i in rows])
        surprisal[rows] = s
        states[rows] = np.clip(pooled.transpose(1, 0, 2), -F16_MAX, F16_MAX).astype(np.float16)
        if advance:
            advance(len(rows))
    return {"surprisal": surprisal, "tokens": np.array([len(s) for s in full], dtype=np.int32), "states": states}


def _shard_bytes(keys: list[str], rows: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, keys=np.array(keys), **rows)
    return buf.getvalue()


class ReadingCache:
    """Shards of finished examples under `folder/<model key>/`: each holds keys and their rows."""

    def __init__(self, folder: Path, model: ModelAdapter) -> None:
        self.folder = folder / model_key(model)

    def load(self, wanted: set[str]) -> dict[str, tuple[float, int, np.ndarray]]:
        found: dict[str, tuple[float, int, np.ndarray]] = {}
        if not self.folder.is_dir():
            return found
        for path in sorted(self.folder.glob("shard-*.npz")):
            try:
                with np.load(path, allow_pickle=False) as z:
                    keys = z["keys"].tolist()
                    hit = [i for i, k in enumerate(keys) if k in wanted and k not in found]
                    if not hit:
                        continue
                    s, t, st = z["surprisal"], z["tokens"], z["states"]
                    for i in hit:
                        found[keys[i]] = (float(s[i]), int(t[i]), st[i])
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
                continue  # a damaged shard is read again (its examples count as missing)
        return found

    def save(self, keys: list[str], rows: dict[str, np.ndarray]) -> None:
        from talkscope.tools.engine.cachefile import atomic_write_bytes

        name = hashlib.sha256("|".join(keys).encode()).hexdigest()[:20]
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.folder / f"shard-{name}.npz", _shard_bytes(keys, rows), "the text readings")


def read_examples(model: ModelAdapter, texts: list[str], cache: Path | None,
                  progress: Any = None, runner: Callable[..., Any] | None = None) -> Readings:
    """Every text's reading, from the cache where it is there, computed (and cached shard by shard) where not.
    `runner(model, texts, keys, save, advance)` replaces the local loop (the Ray path)."""
    keys = example_keys(model, texts, getattr(runner, "reader", ""))
    store = ReadingCache(cache, model) if cache is not None else None
    found = store.load(set(keys)) if store else {}
    missing = list(dict.fromkeys(k for k in keys if k not in found))
    text_of = dict(zip(keys, texts))
    if missing:
        todo = [text_of[k] for k in missing]
        with bar(progress, len(todo), f"Reading {len(todo):,} texts with the model") as advance:
            def save(part_keys: list[str], rows: dict[str, np.ndarray]) -> None:
                for i, k in enumerate(part_keys):
                    found[k] = (float(rows["surprisal"][i]), int(rows["tokens"][i]), rows["states"][i])
                if store:
                    store.save(part_keys, rows)

            (runner or _run_local)(model, todo, missing, save, advance)
    s = np.array([found[k][0] for k in keys], dtype=np.float32)
    t = np.array([found[k][1] for k in keys], dtype=np.int32)
    truncated = int((t > MAX_TOKENS).sum())
    t = np.minimum(t, MAX_TOKENS)
    states = np.stack([found[k][2] for k in keys], axis=1)  # [L+1, N, D]
    return Readings(s, t, states, truncated, len(keys) - len(missing))


def _run_local(model: ModelAdapter, texts: list[str], keys: list[str], save: Callable[..., None],
               advance: Callable[[int], None]) -> None:
    for start in range(0, len(texts), SHARD):
        part = slice(start, start + SHARD)
        save(keys[part], compute_rows(model, texts[part], advance))


@torch.no_grad()
def token_surprisals(model: ModelAdapter, text: str) -> list[tuple[str, float]]:
    """(token, nats) for each token of one text after the first (the first has no context to be surprised by)."""
    ids = encode_all(model, [text])[0][:MAX_TOKENS]
    batch = torch.tensor([ids], device=model.device)
    hs = model.residual_stream(batch, layers=[model.n_layers])[0, 0]  # [T, D]
    nats = -model.token_logprob(model.final_norm(hs[:-1]), batch[0, 1:])
    return [(model.decode([i]), float(v)) for i, v in zip(ids[1:], nats.float().cpu())]
