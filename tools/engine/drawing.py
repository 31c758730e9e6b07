"""Figures drawn off the critical path: a tool reserves its figure's path and returns its answer at once, while
one background thread imports matplotlib and draws (about half a second per call, as much as a short
occlusion). Front ends that read the file (the Slack upload) call `wait_for_figures` first; the process waits for
pending figures when it exits. One thread: matplotlib's pyplot state is not shared between threads."""

from __future__ import annotations

import atexit
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

_pool: ThreadPoolExecutor | None = None
_pending: list[Future[Any]] = []
_lock = threading.Lock()  # the Slack bot's workers ask and wait from several threads


def draw_later(path: Path, figure: str, *args: Any, **kwargs: Any) -> Path:
    """Draw `figures.<figure>(path, *args, **kwargs)` in the background; returns `path` at once (as given: a
    relative path is drawn where it points now, even if the working folder changes before it is drawn)."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="talkscope-figures")
        _pending.append(_pool.submit(_draw, path.absolute(), figure, args, kwargs))
    return path


def _draw(path: Path, figure: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Path:
    """`figure` is a function of `figures`, or "module:function" for figures kept beside their tools."""
    import importlib

    module, _, name = figure.rpartition(":")
    return getattr(importlib.import_module(module or "talkscope.tools.engine.figures"), name)(path, *args, **kwargs)


def wait_for_figures() -> list[str]:
    """Block until every figure asked for so far is on disk; the ones that failed, as messages."""
    with _lock:
        jobs = list(_pending)
    failed = []
    for job in jobs:
        try:
            job.result()
        except Exception as err:  # a figure is an illustration: its failure must not lose the answer
            failed.append(f"a figure could not be drawn: {type(err).__name__}: {err}")
    with _lock:
        _pending[:] = [j for j in _pending if not j.done()]
    return failed


@atexit.register
def _finish() -> None:
    for message in wait_for_figures():
        print(f"talkscope: {message}", file=sys.stderr)
