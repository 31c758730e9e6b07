"""The document index: chromadb on disk (cosine space), chunks from LangChain's token splitter, embeddings
from the packaged MiniLM, and a manifest that records which files are fully committed.

Crash safety rests on one ordering: a file's new chunks are added to chromadb first, then the manifest
(written atomically: temporary file, fsync, rename, see `cachefile`) records the file, and only then are its
old chunks deleted. All of it happens under the index's writer lock (`write.lock`). A process killed at any
point leaves either chunks the manifest does not know, or a temporary manifest, which the next writer removes
and says so in one line, or a manifest whose chunks are all present. If chromadb itself cannot be opened, or
committed chunks are missing, the index says so and `talkscope index --rebuild` rebuilds it from the source
files the manifest lists.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from talkscope.retrieval.readers import Document
from talkscope.tools.engine.cachefile import discard_leftovers, file_lock, notice, write_atomically
from talkscope.tools.engine.errors import TalkscopeError

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

COLLECTION = "talkscope"
CHUNK_TOKENS = 200  # all-MiniLM-L6-v2 reads at most 256 word pieces; 200 leaves room for special tokens
OVERLAP_TOKENS = 40
COMMIT_CHUNKS = 512  # chunks embedded and committed together (one manifest write per group)
MANIFEST = "manifest.json"
LOCK = "write.lock"
STORE = "chroma"


@dataclass(frozen=True)
class Chunk:
    id: str
    text: str
    meta: dict[str, Any]


@dataclass(frozen=True)
class Store:
    client: Any  # chromadb.ClientAPI
    collection: Any  # chromadb.Collection
    max_batch: int


@dataclass
class FileEntry:
    sha256: str
    chunks: int


@dataclass
class IndexReport:
    files_added: int = 0
    files_replaced: int = 0
    files_unchanged: int = 0
    files_pruned: int = 0
    chunks_written: int = 0
    chunks_total: int = 0
    skipped: list[str] = field(default_factory=list)  # files left out, each with the reason
    unreadable: int = 0  # of those, files that could not be read (the command then exits 3)


def chunk_id(source: str, sha256: str, n: int) -> str:
    """Stable id from (source, content hash, chunk number): unchanged files map to the same ids."""
    return hashlib.sha1(f"{source}\0{sha256}\0{n}".encode()).hexdigest()


def default_index_dir() -> Path:
    from talkscope.tools.engine.loading import cache_root

    return cache_root() / "index"


def damaged(root: Path, why: str) -> TalkscopeError:
    return TalkscopeError(f"the document index at {root} is damaged ({why}); "
                          f"rebuild it from its source files: talkscope index --rebuild --index {root}")


class Manifest:
    """Committed files and their chunk counts; written atomically (temporary file, fsync, rename) by the holder
    of the writer lock, so a reader sees the old manifest or the new one, never half of one."""

    def __init__(self, root: Path) -> None:
        self.path = root / MANIFEST
        self.files: dict[str, FileEntry] = {}
        if self.path.exists():
            try:
                raw = json.loads(self.path.read_text())
                self.files = {k: FileEntry(**v) for k, v in raw["files"].items()}
            except (ValueError, KeyError, TypeError) as err:
                raise damaged(root, f"unreadable {MANIFEST}: {err}") from err

    def ids(self, sources: list[str] | None = None) -> set[str]:
        keys = self.files if sources is None else sources
        return {chunk_id(s, self.files[s].sha256, n) for s in keys for n in range(self.files[s].chunks)}

    def total(self) -> int:
        return sum(e.chunks for e in self.files.values())

    def save(self) -> None:
        """Called under `writer_lock` only (ingest.py): that lock covers the manifest."""
        data = {"version": 1, "files": {k: asdict(v) for k, v in self.files.items()}}
        write_atomically(self.path, json.dumps(data).encode())


def open_collection(root: Path, create: bool) -> Store:
    import chromadb
    from chromadb.config import Settings

    from talkscope.retrieval.adapters import MiniLMEmbeddingFunction

    if not create and not (root / MANIFEST).exists():
        raise TalkscopeError(f"no document index at {root}: build one with talkscope index PATH... --index {root}")
    try:
        client = chromadb.PersistentClient(path=str(root / STORE),
                                           settings=Settings(anonymized_telemetry=False))
        collection = client.get_or_create_collection(COLLECTION, embedding_function=MiniLMEmbeddingFunction(),
                                                     configuration={"hnsw": {"space": "cosine"}})
        return Store(client, collection, client.get_max_batch_size())
    except Exception as err:  # chromadb raises many types for a damaged store; all mean the same here
        forget_store(root)
        raise damaged(root, f"chromadb cannot open it: {type(err).__name__}: {err}") from err


def forget_store(root: Path) -> None:
    """Drop chromadb's in-process cache of the store at `root`. chromadb keeps one system per path for the
    life of the process (no public API to drop one); after a failure or a rebuild it must be reopened."""
    from chromadb.api.shared_system_client import SharedSystemClient

    system = SharedSystemClient._identifier_to_system.pop(str(root / STORE), None)
    SharedSystemClient._identifier_to_refcount.pop(str(root / STORE), None)
    if system is not None:
        with contextlib.suppress(Exception):  # a damaged store may fail to stop cleanly; it is discarded anyway
            system.stop()


def split(documents: list[Document], sha256: str) -> list[Chunk]:
    """LangChain's recursive splitter with lengths counted in the embedder's own tokens."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from talkscope.retrieval.embed import load_embedder

    splitter = RecursiveCharacterTextSplitter.from_huggingface_tokenizer(
        load_embedder().tokenizer, chunk_size=CHUNK_TOKENS, chunk_overlap=OVERLAP_TOKENS, add_start_index=True)
    chunks: list[Chunk] = []
    for doc in documents:
        for piece in splitter.create_documents([doc.text]):
            start = int(piece.metadata["start_index"])
            meta = {"source": doc.source, "chunk": len(chunks), "start": start,
                    "end": start + len(piece.page_content), "row": doc.row if doc.row is not None else -1}
            chunks.append(Chunk(chunk_id(doc.source, sha256, len(chunks)), piece.page_content, meta))
    return chunks


@contextmanager
def writer_lock(root: Path, wait_s: float) -> Iterator[None]:
    """One writer at a time. The OS releases the lock when its holder dies, so a crash leaves none behind."""
    root.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(file_lock(root / LOCK, f"the document index at {root}", timeout=wait_s))
        except TimeoutError as err:
            raise TalkscopeError(f"another talkscope process is writing to the index at {root}; "
                                 f"try again when it has finished (waited {wait_s:.0f} s)") from err
        yield


def check_committed(root: Path, store: Store, manifest: Manifest) -> None:
    """All committed chunks present (else damaged); what an interrupted write left (chunks the manifest does
    not list, a temporary manifest) removed, and said in one line. Called under the writer lock."""
    present = set(store.collection.get(include=[])["ids"])
    expected = manifest.ids()
    missing = expected - present
    if missing:
        raise damaged(root, f"{len(missing)} committed chunks are missing")
    stray = sorted(present - expected)
    legacy = root / "manifest.tmp"  # what earlier versions wrote before renaming
    interrupted = discard_leftovers(root / MANIFEST) or legacy.exists()
    legacy.unlink(missing_ok=True)
    if stray or interrupted:
        notice(f"talkscope: an earlier write to the index at {root} was interrupted; removed the {len(stray)} "
               "chunks it had not committed (their files are indexed again when named)")
    delete_ids(store, stray)


def delete_ids(store: Store, ids: list[str]) -> None:
    for i in range(0, len(ids), store.max_batch):
        store.collection.delete(ids=ids[i:i + store.max_batch])


def add_chunks(store: Store, chunks: list[Chunk], advance: Callable[[int], None]) -> None:
    from talkscope.retrieval.embed import embed

    step = min(store.max_batch, COMMIT_CHUNKS)
    for i in range(0, len(chunks), step):
        part = chunks[i:i + step]
        store.collection.add(ids=[c.id for c in part], documents=[c.text for c in part],
                       metadatas=[c.meta for c in part], embeddings=embed([c.text for c in part]))
        advance(len(part))


def reset_store(root: Path) -> list[str]:
    """For --rebuild: drop the chromadb store and the manifest, returning the sources it listed."""
    try:
        sources = list(Manifest(root).files)
    except TalkscopeError:
        sources = []
    forget_store(root)
    shutil.rmtree(root / STORE, ignore_errors=True)
    (root / MANIFEST).unlink(missing_ok=True)
    return sources
