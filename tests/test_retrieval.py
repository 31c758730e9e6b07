"""The document index on a real chromadb on disk, with real MiniLM embeddings."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import TALKSCOPE, run_cli

from talkscope.retrieval.index import LOCK, MANIFEST, Manifest, writer_lock
from talkscope.retrieval.ingest import demo_corpus, index_paths
from talkscope.retrieval.readers import file_digest, find_files, read_documents
from talkscope.retrieval.search import DocumentIndex, short_source
from talkscope.tools.engine.errors import TalkscopeError


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("demo-index")
    report = index_paths(root, [demo_corpus()], show_progress=False)
    assert report.files_added == len(find_files([demo_corpus()])) >= 40
    return root


def top_sources(index: DocumentIndex, text: str, k: int = 3) -> list[str]:
    return [short_source(p.source) for p in index.query(text, k)]


def test_readers_cover_every_format(tmp_path):
    (tmp_path / "a.html").write_text("<html><head><script>var secret = 1;</script></head>"
                                     "<body><p>Visible words.</p></body></html>")
    (tmp_path / "b.csv").write_text("name,fact\nOslo,capital of Norway\nBergen,\n")
    (tmp_path / "c.jsonl").write_text('{"text": "first row"}\n\n{"text": "second row"}\n')
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["pdf.fonttype"] = 42  # TrueType text, so the PDF carries extractable characters
    fig = plt.figure()
    fig.text(0.1, 0.5, "Lake Baikal is the deepest lake")
    fig.savefig(tmp_path / "d.pdf")
    plt.close(fig)
    docs = {p.name: read_documents(p) for p in find_files([tmp_path])}
    assert [d.text for d in docs["a.html"]] == ["Visible words."]
    assert [(d.row, d.text) for d in docs["b.csv"]] == [(1, "name: Oslo; fact: capital of Norway"), (2, "name: Bergen")]
    assert [(d.row, d.text) for d in docs["c.jsonl"]] == [(1, "first row"), (2, "second row")]
    assert "Baikal" in docs["d.pdf"][0].text


def test_bad_inputs_say_what_to_do(tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(TalkscopeError, match="not UTF-8"):
        read_documents(bad)
    with pytest.raises(TalkscopeError, match="does not exist"):
        find_files([tmp_path / "missing"])
    with pytest.raises(TalkscopeError, match="no document index"):
        DocumentIndex(tmp_path / "no-index")


@pytest.mark.slow
def test_demo_questions_find_their_documents(demo_index):
    index = DocumentIndex(demo_index)
    assert top_sources(index, "What is the capital of France?", 2)[0] in ("demo/geography/france.md",
                                                                           "demo/geography/paris.md")
    assert top_sources(index, "Who wrote Hamlet?", 1) == ["demo/history/shakespeare.md"]
    hit = index.query("capital of Kenya", 1)[0]
    assert (short_source(hit.source), hit.row) == ("demo/tables/capitals.csv", 3)
    assert 0.0 <= hit.relevance <= 1.0 and hit.text[hit.start - hit.start:] in hit.text
    docs = index.as_retriever(k=1).invoke("Which element has the symbol Au?")
    assert short_source(docs[0].metadata["source"]) == "demo/science/gold.md"


@pytest.mark.slow
def test_reindex_is_a_no_op_and_changes_replace_chunks(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("The Danube flows through Vienna and Budapest.")
    (docs / "b.md").write_text("Ottawa is the capital of Canada.")
    root = tmp_path / "idx"
    first = index_paths(root, [docs], show_progress=False)
    ids = set(DocumentIndex(root).collection.get(include=[])["ids"])
    again = index_paths(root, [docs], show_progress=False)
    assert (first.files_added, again.files_unchanged, again.chunks_written) == (2, 2, 0)
    assert set(DocumentIndex(root).collection.get(include=[])["ids"]) == ids
    (docs / "a.md").write_text("The Thames flows through London.")
    changed = index_paths(root, [docs], show_progress=False)
    assert (changed.files_replaced, changed.chunks_total) == (1, 2)
    index = DocumentIndex(root)
    assert index.collection.count() == 2 and "Thames" in index.query("river in London", 1)[0].text
    (docs / "b.md").unlink()
    pruned = index_paths(root, [], prune_missing=True, show_progress=False)
    assert (pruned.files_pruned, pruned.chunks_total, DocumentIndex(root).collection.count()) == (1, 1, 1)


def test_a_second_writer_gets_a_clear_message(tmp_path):
    (tmp_path / "a.txt").write_text("Some text.")
    with writer_lock(tmp_path / "idx", wait_s=1):
        assert (tmp_path / "idx" / LOCK).exists()
        with pytest.raises(TalkscopeError, match="another talkscope process is writing"):
            index_paths(tmp_path / "idx", [tmp_path / "a.txt"], wait_s=0.2, show_progress=False)


def write_corpus(folder: Path, files: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    words = ["river", "mountain", "city", "capital", "planet", "element", "history", "science", "museum",
             "language", "ocean", "desert", "empire", "king", "queen", "war", "treaty", "bridge", "tower",
             "island", "forest", "valley", "lake", "harbour", "railway"]
    folder.mkdir()
    for i in range(files):
        paras = [" ".join(rng.choice(words) for _ in range(120)) + "." for _ in range(4)]
        (folder / f"doc{i:04d}.txt").write_text(f"Document {i}.\n\n" + "\n\n".join(paras))


def expected_ids(folder: Path) -> int:
    from talkscope.retrieval.index import split

    return sum(len(split(read_documents(f), file_digest(f))) for f in find_files([folder]))


@pytest.mark.slow
def test_killed_indexing_loses_no_committed_chunk(tmp_path):
    docs, root = tmp_path / "docs", tmp_path / "idx"
    write_corpus(docs, 400)
    proc = subprocess.Popen([TALKSCOPE, "index", str(docs), "--index", str(root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:  # wait for the first committed group
        if (root / MANIFEST).exists() and Manifest(root).files:
            break
        time.sleep(0.05)
    time.sleep(random.Random(1).uniform(0.2, 1.5))  # then kill it somewhere inside the next group
    assert proc.poll() is None, "indexing finished before it could be killed; use a larger corpus"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    committed = Manifest(root)
    assert 0 < len(committed.files) < 400
    try:  # either it opens with every committed chunk ...
        index = DocumentIndex(root)
        assert committed.ids() <= set(index.collection.get(include=[])["ids"])
        fix = run_cli("index", str(docs), "--index", str(root), "--json")
    except TalkscopeError as err:  # ... or it says it is damaged and --rebuild restores it
        assert "--rebuild" in str(err)
        fix = run_cli("index", str(docs), "--index", str(root), "--rebuild", "--json")
    assert fix.returncode == 0, fix.stderr
    report = json.loads(fix.stdout)
    index = DocumentIndex(root)
    assert report["chunks_total"] == index.collection.count() == expected_ids(docs)
    assert Manifest(root).ids() == set(index.collection.get(include=[])["ids"])


@pytest.mark.slow
def test_a_damaged_store_is_reported_and_rebuilt(tmp_path, demo_index):
    docs, root = tmp_path / "docs", tmp_path / "idx"
    docs.mkdir()
    for name in ("a.md", "b.md", "c.md"):
        (docs / name).write_text(f"File {name} says the lighthouse stands on the northern cape.")
    index_paths(root, [docs], show_progress=False)
    sqlite = root / "chroma" / "chroma.sqlite3"
    sqlite.write_bytes(b"this is not a database" * 100)
    with pytest.raises(TalkscopeError, match="damaged.*--rebuild"):
        DocumentIndex(root)
    cli = run_cli("ask", "Where in my documents is \"the lighthouse\" mentioned?", "--index", str(root))
    assert cli.returncode == 3 and "--rebuild" in cli.stdout  # answered, but the sources tool could not run
    fixed = run_cli("index", "--rebuild", "--index", str(root), "--json")
    assert fixed.returncode == 0, fixed.stderr
    assert json.loads(fixed.stdout)["chunks_total"] == DocumentIndex(root).collection.count() == 3


@pytest.mark.slow
def test_demo_documents_of_another_install_are_dropped(tmp_path):
    import shutil

    from talkscope.retrieval.ingest import ensure_demo_index

    other = tmp_path / "elsewhere" / "retrieval" / "data" / "demo" / "geography"
    other.mkdir(parents=True)
    shutil.copy(demo_corpus() / "geography" / "france.md", other / "france.md")
    root = tmp_path / "idx"
    index_paths(root, [other], show_progress=False)
    report = ensure_demo_index(root)
    assert report.files_pruned == 1
    assert all(Path(s).is_relative_to(demo_corpus().resolve()) for s in Manifest(root).files)
    index_paths(root, [other], show_progress=False)  # `talkscope index --demo` drops it too
    done = run_cli("index", "--demo", "--index", str(root), "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["files_pruned"] == 1
    assert all(Path(s).is_relative_to(demo_corpus().resolve()) for s in Manifest(root).files)
