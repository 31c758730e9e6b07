"""Retrieval quality on the demo corpus and index speed at 10,000 chunks, on this machine.

Quality: recall@1 and recall@5 on the questions of `data/retrieval_questions.tsv` (written for the demo
corpus; a CSV/JSONL answer must hit the right row), and how well the relevance floor of the `sources`
tool separates them from off-topic questions (expected source `none`).
Speed: indexing throughput (chunks/s, embedding included) and query latency p50/p95 (embedding the
question + the chromadb search) on an index of at least 10,000 chunks of generated text.

Run: .venv/bin/python -m benchmarks.retrieval_eval [--chunks 10000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import machine
from talkscope.retrieval.ingest import demo_corpus, index_paths
from talkscope.retrieval.search import DocumentIndex, Passage
from talkscope.tools.sources import RELEVANCE_FLOOR

QUESTIONS = Path(__file__).with_name("data") / "retrieval_questions.tsv"


def hit(p: Passage, expected: str) -> bool:
    rel = Path(p.source).resolve().relative_to(demo_corpus().resolve()).as_posix()
    for option in expected.split("|"):
        path, _, row = option.partition("#")
        if rel == path and (not row or p.row == int(row)):
            return True
    return False


def quality(root: Path) -> None:
    index_paths(root, [demo_corpus()], show_progress=False)
    index = DocumentIndex(root)
    rows = [line.split("\t") for line in QUESTIONS.read_text().splitlines()[1:] if line.strip()]
    r1 = r5 = 0
    top_in, top_out = [], []
    for question, expected in rows:
        passages = index.query(question, 5)
        if expected == "none":
            top_out.append(passages[0].relevance)
            continue
        top_in.append(passages[0].relevance)
        r1 += hit(passages[0], expected)
        r5 += any(hit(p, expected) for p in passages)
    n = len(top_in)
    print(f"questions: {n} about the corpus, {len(top_out)} off-topic · {len(index)} chunks")
    print(f"recall@1 {r1 / n:.3f} ({r1}/{n}) · recall@5 {r5 / n:.3f} ({r5}/{n})")
    above = sum(r >= RELEVANCE_FLOOR for r in top_in)
    below = sum(r < RELEVANCE_FLOOR for r in top_out)
    print(f"relevance floor {RELEVANCE_FLOOR}: {above}/{n} corpus questions have a citable top passage, "
          f"{below}/{len(top_out)} off-topic questions get 'no good source'")
    print(f"top-1 relevance: corpus min {min(top_in):.2f} median {statistics.median(top_in):.2f} · "
          f"off-topic median {statistics.median(top_out):.2f} max {max(top_out):.2f}")


def write_corpus(folder: Path, chunks: int, seed: int = 0) -> None:
    """Files of shuffled demo-corpus sentences (about 5 chunks of up to 200 tokens each)."""
    sentences = [s.strip() + "." for f in sorted(demo_corpus().rglob("*.md"))
                 for s in f.read_text().split(".") if len(s.split()) > 4 and not s.startswith("#")]
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    for i in range(chunks // 4 + 1):  # about 4.8 chunks per file: a little over `chunks` in all
        paras = [" ".join(rng.sample(sentences, 9)) for _ in range(5)]
        (folder / f"doc{i:05d}.txt").write_text(f"Generated document {i}.\n\n" + "\n\n".join(paras))


def speed(tmp: Path, chunks: int) -> None:
    docs = tmp / "generated"
    write_corpus(docs, chunks)
    index_paths(tmp / "warm", [demo_corpus()], show_progress=False)  # load the embedder outside the timing
    start = time.perf_counter()
    report = index_paths(tmp / "big", [docs])
    took = time.perf_counter() - start
    print(f"indexing: {report.chunks_written} chunks from {report.files_added} files in {took:.1f} s "
          f"= {report.chunks_written / took:.1f} chunks/s (split + embed + write)")
    start = time.perf_counter()
    again = index_paths(tmp / "big", [docs], show_progress=False)
    print(f"re-indexing unchanged: {again.chunks_written} chunks written in {time.perf_counter() - start:.2f} s")
    index = DocumentIndex(tmp / "big")
    questions = [line.split("\t")[0] for line in QUESTIONS.read_text().splitlines()[1:] if line.strip()]
    index.query(questions[0], 5)
    times = []
    for q in questions * 3:
        t = time.perf_counter()
        index.query(q, 5)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"query latency at {len(index)} chunks, k=5, {len(times)} queries: "
          f"p50 {statistics.median(times):.1f} ms · p95 {p95:.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chunks", type=int, default=10_000)
    args = ap.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        quality(Path(tmp) / "demo")
        speed(Path(tmp), args.chunks)


if __name__ == "__main__":
    main()
