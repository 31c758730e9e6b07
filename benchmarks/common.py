"""What every benchmark prints with its figures: the machine, the library versions and the date."""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import time
from collections.abc import Callable
from importlib.metadata import version


def machine() -> str:
    import torch

    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    libs = ", ".join(f"{p} {version(p)}" for p in ("torch", "transformers", "captum")
                     if _installed(p))
    return (f"{datetime.date.today()} · {platform.processor() or platform.machine()}, "
            f"{os.cpu_count()} cores, {device} · torch threads {torch.get_num_threads()} · {libs}")


def _installed(pkg: str) -> bool:
    try:
        version(pkg)
        return True
    except Exception:
        return False


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def median(xs: list[float]) -> float:
    return statistics.median(xs)
