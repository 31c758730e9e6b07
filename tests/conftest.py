"""Shared fixtures: the real default model and the router are loaded once per test session."""

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


@pytest.fixture(scope="session")
def model():
    from talkscope.tools.loading import load_model

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
    env = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run([TALKSCOPE, *args], capture_output=True, text=True, timeout=timeout,
                          cwd=cwd or ROOT, env=env)


@pytest.fixture(scope="session")
def talkscope_bin() -> str:
    assert shutil.which(TALKSCOPE), "the talkscope console script is not installed"
    return TALKSCOPE
