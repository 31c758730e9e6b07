"""`talkscope index`: add files to the index incrementally (unchanged files write nothing, changed files
replace their chunks, `prune` drops files deleted from disk, `rebuild` starts over from the sources)."""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

from talkscope.retrieval.index import (
    COMMIT_CHUNKS,
    Chunk,
    FileEntry,
    IndexReport,
    Manifest,
    Store,
    add_chunks,
    check_committed,
    delete_ids,
    open_collection,
    reset_store,
    split,
    writer_lock,
)
from talkscope.retrieval.readers import file_digest, find_files, read_documents
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.progress import progress_bars


def demo_corpus() -> Path:
    """The demo documents shipped with talkscope (general facts, a few deliberately false or outdated)."""
    return Path(str(files("talkscope.retrieval").joinpath("data/demo")))


def commit(store: Store, manifest: Manifest, group: list[tuple[str, str, list[Chunk]]],
           advance_chunks: Callable[[int], None]) -> int:
    """Add the group's chunks, record the files, then delete the chunks they replace (see index.py)."""
    chunks = [c for _, _, cs in group for c in cs]
    add_chunks(store, chunks, advance_chunks)
    replaced = [src for src, _, _ in group if src in manifest.files]
    old = manifest.ids(replaced)
    for src, digest, cs in group:
        manifest.files[src] = FileEntry(digest, len(cs))
    manifest.save()
    delete_ids(store, sorted(old - manifest.ids([src for src, _, _ in group])))
    return len(chunks)


def plan(paths: list[Path], manifest: Manifest, report: IndexReport) -> list[tuple[str, str, list[Chunk]]]:
    """Files whose content changed (or is new), split into chunks; unchanged ones counted and skipped."""
    todo = []
    for path in find_files(paths):
        src, digest = str(path), file_digest(path)
        entry = manifest.files.get(src)
        if entry is not None and entry.sha256 == digest:
            report.files_unchanged += 1
            continue
        try:
            chunks = split(read_documents(path), digest)
        except TalkscopeError as err:  # one unreadable file does not stop the others (nothing is lost)
            report.skipped.append(str(err))
            report.unreadable += 1
            continue
        if not chunks:
            report.skipped.append(f"{src} (no text)")
            continue
        report.files_replaced += entry is not None
        report.files_added += entry is None
        todo.append((src, digest, chunks))
    return todo


def prune(store: Store, manifest: Manifest, report: IndexReport, drop: Callable[[str], bool] | None = None) -> None:
    """Remove files deleted from disk (and, with `drop`, the sources it selects) from the index."""
    gone = [s for s in manifest.files if not Path(s).exists() or (drop is not None and drop(s))]
    if gone:
        old = manifest.ids(gone)
        for s in gone:
            del manifest.files[s]
        manifest.save()
        delete_ids(store, sorted(old))
    report.files_pruned = len(gone)


def rebuild_sources(root: Path, paths: list[Path], report: IndexReport) -> list[Path]:
    listed = reset_store(root)
    report.skipped += [f"{s} (listed in the old index, no longer on disk)" for s in listed if not Path(s).exists()]
    paths = list(paths) + [Path(s) for s in listed if Path(s).exists()]
    if not paths:
        raise TalkscopeError(f"nothing to rebuild {root} from: its manifest lists no files; "
                             f"give the source paths: talkscope index PATH... --rebuild --index {root}")
    return paths


def index_paths(root: Path, paths: list[Path], *, prune_missing: bool = False, rebuild: bool = False,
                wait_s: float = 10.0, show_progress: bool = True,
                drop: Callable[[str], bool] | None = None) -> IndexReport:
    """Bring the index at `root` up to date with `paths` (files and folders); see the module docstring."""
    report = IndexReport()
    with writer_lock(root, wait_s):
        if rebuild:
            paths = rebuild_sources(root, paths, report)
        manifest = Manifest(root)
        store = open_collection(root, create=True)
        check_committed(root, store, manifest)
        if not manifest.path.exists():
            manifest.save()  # an empty but valid index, even if there is nothing to add
        todo = plan(paths, manifest, report)
        tasks = [("indexing files", len(todo)), ("embedding chunks", sum(len(cs) for _, _, cs in todo))]
        with progress_bars(tasks, show_progress and bool(todo), transient=False) as (advance_files, advance_chunks):
            group: list[tuple[str, str, list[Chunk]]] = []
            for item in todo:
                group.append(item)
                if sum(len(cs) for _, _, cs in group) >= COMMIT_CHUNKS or item is todo[-1]:
                    report.chunks_written += commit(store, manifest, group, advance_chunks)
                    advance_files(len(group))
                    group = []
        if prune_missing or drop is not None:
            prune(store, manifest, report, drop)
        report.chunks_total = manifest.total()
    return report


def other_demo(source: str) -> bool:
    """Whether an indexed source is a demo document of another talkscope install (another checkout or
    environment): indexing this install's demo corpus drops those, so they are not cited twice."""
    return "/retrieval/data/demo/" in Path(source).as_posix() and not Path(source).is_relative_to(
        demo_corpus().resolve())


def ensure_demo_index(root: Path) -> IndexReport:
    """Index the demo corpus into `root` (a no-op once it is there and unchanged), dropping the demo
    documents of another install."""
    return index_paths(root, [demo_corpus().resolve()], drop=other_demo)
