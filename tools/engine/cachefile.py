"""Cache files shared by several talkscope processes at once (a Slack bot, chats, scripts).

The rule, for every cache under `cache_root()`: a write goes to a temporary file in the same folder, is
flushed and fsynced, then renamed over the target with `os.replace`; it happens under a file lock beside the
target (`<name>.lock`), so two processes never build one entry twice or interleave. A reader needs no lock:
it sees the old file, the new one or none, never half of one. A writer killed mid-write leaves only a
temporary file (`.<name>.tmp-<hex>`), which the next writer, holding the lock, discards and says so.

Locks are `filelock` locks: the OS drops them when their holder dies, so a crash leaves none held. A
`cache_lock` is reentrant within one thread (a writer that holds it may call a helper that takes it again);
other threads and processes wait.
"""

from __future__ import annotations

import fnmatch
import io
import os
import pickle
import re
import secrets
import shutil
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

# Test hook, read in `_pause_for_test` only: a glob over the full path of a file being written. A write whose
# target matches stops with its temporary file half-written, prints PAUSE_MARK and waits to be killed, so a
# test can SIGKILL a writer at a known point. Unset in normal use.
PAUSE_ENV = "TALKSCOPE_TEST_PAUSE_WRITE"
PAUSE_MARK = "talkscope-test: paused writing"

# What a damaged cache file raises when read back (numpy, torch, json and zip readers differ).
DAMAGE = (OSError, ValueError, EOFError, KeyError, TypeError, RuntimeError, pickle.UnpicklingError,
          zipfile.BadZipFile)

_held = threading.local()  # absolute lock paths this thread holds through `cache_lock`


class Damaged(ValueError):
    """A cache entry that reads but is not what it should be (wrong shape, wrong keys)."""


def status(message: str) -> Any:
    """A transient spinner on stderr, as the loading messages are (stdout stays clean for JSON)."""
    from rich.console import Console

    return Console(stderr=True).status(message)


def notice(message: str) -> None:
    """One line on stderr, never wrapped: a cache was found damaged or half-built and is being rebuilt."""
    from rich.console import Console

    Console(stderr=True, soft_wrap=True).print(message, markup=False, highlight=False)


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


@contextmanager
def file_lock(lock: Path, what: str, timeout: float | None = None) -> Iterator[None]:
    """Hold the lock file `lock`, waiting (with a status line) while another process holds it. Not reentrant:
    a second hold from the same thread waits like anyone else. Raises TimeoutError after `timeout` seconds."""
    from filelock import FileLock, Timeout

    lock.parent.mkdir(parents=True, exist_ok=True)
    held = FileLock(lock)
    try:
        held.acquire(timeout=0)
    except Timeout:
        with status(f"Waiting for another talkscope process to finish writing {what}..."):
            held.acquire(timeout=-1 if timeout is None else timeout)  # filelock.Timeout is a TimeoutError
    try:
        yield
    finally:
        held.release()


@contextmanager
def cache_lock(path: Path, what: str = "the cache") -> Iterator[None]:
    """The lock beside a cache entry (`<path>.lock`), reentrant within a thread."""
    key = os.path.abspath(lock_path(path))
    mine: set[str] = _held.__dict__.setdefault("paths", set())
    if key in mine:
        yield
        return
    with file_lock(lock_path(path), what):
        mine.add(key)
        try:
            yield
        finally:
            mine.discard(key)


def _temporary_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{secrets.token_hex(4)}")


def leftovers(path: Path) -> list[Path]:
    """Temporary files or folders that writes to `path` left behind (a writer killed mid-write)."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.tmp-[0-9a-f]{{8}}")
    with suppress(FileNotFoundError):
        return [p for p in path.parent.iterdir() if pattern.fullmatch(p.name)]
    return []


def discard_leftovers(path: Path) -> bool:
    """Remove what killed writers of `path` left; call under the entry's lock. True if there was any."""
    found = leftovers(path)
    for p in found:
        _remove(p)
    return bool(found)


def _remove(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    else:
        p.unlink(missing_ok=True)


def discard(path: Path) -> None:
    """Remove a cache entry (file or folder) by renaming it to a temporary name first: a reader never sees a
    half-deleted entry, and a process killed while deleting leaves a leftover the next writer removes."""
    if not path.exists() and not path.is_symlink():
        return
    aside = _temporary_name(path)
    os.replace(path, aside)
    _remove(aside)


def _pause_for_test(target: Path) -> None:
    """The one test hook (see PAUSE_ENV): stop here, mid-write, until the test kills this process."""
    pattern = os.environ.get(PAUSE_ENV)
    if pattern and fnmatch.fnmatch(str(target), pattern):
        print(f"{PAUSE_MARK} {target}", file=sys.stderr, flush=True)
        while True:
            time.sleep(60)


def _fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable: without it a power cut may forget the rename after the data."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write `data` (bytes, or pieces to stream) to a temporary file beside `path`, fsync, rename over `path`.
    The caller holds a lock that covers `path` (`cache_lock`, or the index's writer lock)."""
    pieces = _halves(data) if isinstance(data, bytes | bytearray | memoryview) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as for any new file
    try:
        with os.fdopen(fd, "wb") as f:
            for n, piece in enumerate(pieces):
                f.write(piece)
                if n == 0:
                    f.flush()
                    _pause_for_test(path)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _halves(data: bytes | bytearray | memoryview) -> list[memoryview]:
    view = memoryview(data)
    return [view[:len(view) // 2], view[len(view) // 2:]]


def atomic_write_bytes(path: Path, data: bytes | Iterable[bytes], what: str = "the cache") -> None:
    """`write_atomically` under the entry's own lock (reentrant: fine if the caller holds it already)."""
    with cache_lock(path, what):
        write_atomically(path, data)


def atomic_write_text(path: Path, text: str, what: str = "the cache") -> None:
    atomic_write_bytes(path, text.encode("utf-8"), what)


@contextmanager
def atomic_dir(folder: Path, what: str = "the cache") -> Iterator[Path]:
    """Build a folder under a temporary name beside it (yielded), then fsync its files and swap it in whole,
    under the folder's lock. On an exception the temporary folder is removed and `folder` is left as it was."""
    with cache_lock(folder, what):
        tmp = _temporary_name(folder)
        tmp.mkdir(parents=True)
        try:
            yield tmp
            for p in tmp.rglob("*"):
                if p.is_file():
                    with p.open("rb") as f:
                        os.fsync(f.fileno())
            _fsync_dir(tmp)
            discard(folder)  # os.replace cannot rename a folder over a non-empty one
            os.replace(tmp, folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _fsync_dir(folder.parent)


def describe(err: BaseException) -> str:
    """An exception in a few words, on one line, for a notice."""
    text = str(err).splitlines()[0] if str(err) else ""
    return f"{type(err).__name__}: {text[:120]}" if text else type(err).__name__


def prepare_rebuild(path: Path, what: str, why: str | None, interrupted: bool = False) -> None:
    """Before (re)building an entry, under its lock: discard what killed writers left and, if the entry was
    damaged (`why`) or a write had been interrupted, say in one line that it is being rebuilt. A first build
    says nothing here: the builder's own status line tells what it does."""
    if (discard_leftovers(path) or interrupted) and why is None:
        why = "an earlier write was interrupted"
    if why is not None:
        notice(f"talkscope: rebuilding {what} at {path}: {why}")


def load_or_build(path: Path, what: str, read: Callable[[io.BytesIO], T], build: Callable[[], T],
                  encode: Callable[[T], bytes]) -> T:
    """A cache file: `read` it when it is there and sound; else, under its lock, read again (another process
    may have just built it), and only then `build`, write it atomically and return it. A damaged entry or an
    interrupted write's leftovers are discarded with a one-line notice. `read` raises `Damaged` (or any
    reader error) for an entry it cannot trust."""
    try:
        return read(io.BytesIO(path.read_bytes()))
    except DAMAGE:
        pass  # missing or damaged: decided under the lock
    with cache_lock(path, what):
        why = None
        try:
            return read(io.BytesIO(path.read_bytes()))
        except FileNotFoundError:
            pass
        except DAMAGE as err:
            why = f"the cached copy is damaged ({describe(err)})"
        prepare_rebuild(path, what, why)
        value = build()
        write_atomically(path, encode(value))
        return value
