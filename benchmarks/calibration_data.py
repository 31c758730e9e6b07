"""The calibration set (`data/calibration.tsv`), its frozen train/test split, and the confidence features
of every prompt on a model, computed in batches and cached on disk (an interrupted run resumes)."""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict
from pathlib import Path

from talkscope.tools.engine.loading import cache_root
from talkscope.tools.engine.model import ModelAdapter
from talkscope.tools.engine.uncertainty_features import VERSION, AnswerFeatures, is_correct, measure

DATA = Path(__file__).with_name("data") / "calibration.tsv"
TEST_SHARE = 0.4
BATCH = 16


def load_rows() -> list[dict[str, str]]:
    """Rows with prompt, answers, domain and split; the split is fixed by a seeded shuffle (never re-drawn)."""
    lines = DATA.read_text().splitlines()
    rows = [dict(zip(lines[0].split("\t"), line.split("\t"))) for line in lines[1:] if line.strip()]
    order = list(range(len(rows)))
    random.Random(0).shuffle(order)
    test = set(order[: int(TEST_SHARE * len(rows))])
    for i, row in enumerate(rows):
        row["split"] = "test" if i in test else "train"
    return rows


def features(model: ModelAdapter, rows: list[dict[str, str]]) -> list[tuple[AnswerFeatures, bool]]:
    """(features, correct) per row, cached per model and calibration-set content."""
    key = hashlib.sha256((VERSION + model.name + DATA.read_text()).encode()).hexdigest()[:16]
    path = cache_root() / "calibration" / f"features-{key}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    done = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    from talkscope.tools.engine.progress import progress_bar

    with progress_bar(len(rows), "answering and sampling") as advance, path.open("a") as sink:
        advance(len(done))
        for start in range(len(done), len(rows), BATCH):
            batch = rows[start:start + BATCH]
            for f in measure(model, [r["prompt"] for r in batch], seed=start):
                sink.write(json.dumps(asdict(f)) + "\n")
                done.append(asdict(f))
            sink.flush()
            advance(len(batch))
    feats = [AnswerFeatures(**d) for d in done]
    return [(f, is_correct(f.answer, r["answers"])) for f, r in zip(feats, rows)]
