"""Shared fixtures: the real default model and the router are loaded once per test session.

Two tiers: `pytest -m "not slow"` loads no model weights (the guard below fails any unmarked test that tries:
mark it `slow`); the full suite runs everything on the real model.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from talkscope.tools.base import ToolContext

ROOT = Path(__file__).resolve().parents[1]
TALKSCOPE = str(Path(sys.executable).with_name("talkscope"))


class FastTierLoadedAModel(AssertionError):
    pass


MODEL_FIXTURES = {"model", "ctx", "router", "smollm2", "demo_index", "demo_dir"}  # they load real weights


def pytest_collection_modifyitems(config, items):
    """A test that uses a real-model fixture must be marked `slow` (checked at collection, so a fast-tier
    run never starts one by accident)."""
    unmarked = [i.nodeid for i in items if MODEL_FIXTURES & set(getattr(i, "fixturenames", ()))
                and i.get_closest_marker("slow") is None]
    if unmarked:
        raise pytest.UsageError("tests that load a real model must be marked slow: " + ", ".join(unmarked))


@pytest.fixture(autouse=True)
def _fast_tier_loads_no_model(request, monkeypatch):
    """A test not marked `slow` must not load model weights (the subject model or the embedder)."""
    if request.node.get_closest_marker("slow") is not None:
        yield
        return

    def refuse(*_args, **_kwargs):
        raise FastTierLoadedAModel(f"{request.node.nodeid} loads a model: mark it slow")

    import talkscope.retrieval.embed
    import talkscope.tools.engine.loading

    monkeypatch.setattr(talkscope.tools.engine.loading, "_from_folder", refuse)  # every load reads weights here
    monkeypatch.setattr(talkscope.tools.engine.loading, "_build_cache", refuse)
    monkeypatch.setattr(talkscope.retrieval.embed, "load_embedder", refuse)
    yield


@pytest.fixture(scope="session")
def model():
    from talkscope.tools.engine.loading import load_model

    return load_model("default", device="cpu")


@pytest.fixture(scope="session")
def router():
    from talkscope.agent.router import Router

    return Router()


@pytest.fixture()
def ctx(model, tmp_path):
    c = ToolContext(model_spec="default", out_dir=tmp_path / "out")
    c._model = model
    return c


def run_cli(*args: str, timeout: int = 300, cwd: Path | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real `talkscope` command in a subprocess."""
    env = {**{k: v for k, v in os.environ.items() if k != "TALKSCOPE_VERBOSE"}, "COLUMNS": "200", **(env or {})}
    return subprocess.run([TALKSCOPE, *args], capture_output=True, text=True, timeout=timeout,
                          cwd=cwd or ROOT, env=env)


@pytest.fixture(scope="session")
def talkscope_bin() -> str:
    assert shutil.which(TALKSCOPE), "the talkscope console script is not installed"
    return TALKSCOPE
