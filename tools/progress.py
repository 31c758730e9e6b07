"""Progress on stderr for work with many steps (quiet for quick work, so JSON on stdout stays clean)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

SHOW_FROM_ROWS = 64  # fewer rows than this finish within a couple of seconds on CPU


@contextmanager
def progress_bar(total: int, description: str) -> Iterator[Callable[[int], None]]:
    if total < SHOW_FROM_ROWS:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)
