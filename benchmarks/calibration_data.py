"""The calibration set (`data/calibration.tsv`), its frozen train/test split, and the confidence features
of every prompt on a model, computed in batches and cached on disk per prompt (an interrupted run resumes,
and rows added to the set only cost their own prompts)."""

from __future__ import annotations

import hashlib
import json
import random
import zlib
from dataclasses import asdict
from pathlib import Path

from talkscope.tools.engine.loading import cache_root
from talkscope.tools.engine.model import ModelAdapter
from talkscope.tools.engine.uncertainty_features import VERSION, AnswerFeatures, is_correct, measure

DATA = Path(__file__).with_name("data") / "calibration.tsv"
TEST_SHARE = 0.4
# The set grew in blocks of rows appended at the end; each block is split by the same seeded shuffle on its
# own, so a block's split never changes when rows are added after it. The last block runs to the end.
BLOCKS = (475,)  # 2026-11-23: the first 475 rows; 2026-11-29: the rest
BATCH = 16


def split_of(n_rows: int) -> list[str]:
    """'train' or 'test' per row: a seeded shuffle of each block, the first 40% of it held out."""
    bounds = [0, *[b for b in BLOCKS if b < n_rows], n_rows]
    out: list[str] = []
    for lo, hi in zip(bounds, bounds[1:]):
        order = list(range(hi - lo))
        random.Random(0).shuffle(order)
        test = set(order[: int(TEST_SHARE * len(order))])
        out += ["test" if i in test else "train" for i in range(hi - lo)]
    return out


def load_rows() -> list[dict[str, str]]:
    """Rows with prompt, answers, domain, group (the top-level domain) and split (never re-drawn)."""
    lines = DATA.read_text().splitlines()
    rows = [dict(zip(lines[0].split("\t"), line.split("\t"))) for line in lines[1:] if line.strip()]
    for row, split in zip(rows, split_of(len(rows))):
        row["split"] = split
        row["group"] = row["domain"].split("/")[0]
    return rows


def cache_path(model: ModelAdapter) -> Path:
    key = hashlib.sha256((VERSION + model.name).encode()).hexdigest()[:16]
    return cache_root() / "calibration" / f"features-{key}.jsonl"


def _read(path: Path) -> dict[str, AnswerFeatures]:
    done: dict[str, AnswerFeatures] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                f = AnswerFeatures(**json.loads(line))
            except (ValueError, TypeError):  # a line cut short by an interrupted run
                continue
            done[f.prompt] = f
    return done


def features(model: ModelAdapter, rows: list[dict[str, str]]) -> list[tuple[AnswerFeatures, bool]]:
    """(features, correct) per row, cached per model and prompt. The prompts are sampled in fixed blocks of
    BATCH (by their place in `rows`), each seeded by its first prompt's CRC-32, so a run resumed from the cache
    samples a prompt as a fresh run would. (The shipped features were computed before this rule, in batches of
    whatever was left uncached: a fresh run samples differently, so its figures can differ from the recorded
    ones by sampling noise.)"""
    from filelock import FileLock

    from talkscope.tools.engine.progress import progress_bar

    path = cache_path(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock"):
        done = _read(path)
        prompts = list(dict.fromkeys(r["prompt"] for r in rows))
        blocks = [prompts[i:i + BATCH] for i in range(0, len(prompts), BATCH)]
        todo = sum(p not in done for p in prompts)
        if todo:
            with progress_bar(todo, "answering and sampling") as advance, path.open("a") as sink:
                sink.write("" if path.stat().st_size == 0 or path.read_text().endswith("\n") else "\n")
                for block in blocks:
                    batch = [p for p in block if p not in done]
                    if not batch:
                        continue
                    for f in measure(model, batch, seed=zlib.crc32(block[0].encode())):
                        sink.write(json.dumps(asdict(f)) + "\n")
                        done[f.prompt] = f
                    sink.flush()
                    advance(len(batch))
    return [(done[r["prompt"]], is_correct(done[r["prompt"]].answer, r["answers"])) for r in rows]
