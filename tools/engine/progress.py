"""Progress on stderr for work with many steps (quiet for quick work, so JSON on stdout stays clean)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

SHOW_FROM_ROWS = 64  # fewer rows than this finish within a couple of seconds on CPU


@contextmanager
def progress_bar(total: int, description: str) -> Iterator[Callable[[int], None]]:
    """One transient bar, shown only for `SHOW_FROM_ROWS` rows or more; yields advance(n)."""
    with progress_bars([(description, total)], show=total >= SHOW_FROM_ROWS) as (advance,):
        yield advance


@contextmanager
def progress_bars(tasks: list[tuple[str, int]], show: bool = True,
                  transient: bool = True) -> Iterator[list[Callable[[int], None]]]:
    """One bar per (description, total) on stderr; yields an advance(n) per bar (no-ops when not shown)."""
    if not show:
        yield [lambda n: None for _ in tasks]
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True), transient=transient) as bar:
        ids = [bar.add_task(description, total=total) for description, total in tasks]
        yield [lambda n, task=task: bar.advance(task, n) for task in ids]


@contextmanager
def reporting(bar: Any, total: int, description: str,
              sink: Callable[[str, int, int], None]) -> Iterator[Callable[[int], None]]:
    """Wrap a progress bar so each advance is also reported as (description, done, total)."""
    done = 0
    with bar as advance:
        def both(n: int) -> None:
            nonlocal done
            done += n
            advance(n)
            sink(description, done, total)

        yield both
