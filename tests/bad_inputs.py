"""Run one case of `data/bad_inputs.jsonl` (written by `data/make_bad_inputs.py`) through the real command-line
entry point, `talkscope.agent.cli.run`, in this process so the real model loads once for all of them."""

from __future__ import annotations

import io
import json
import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CASES = Path(__file__).parent / "data" / "bad_inputs.jsonl"


@dataclass
class Outcome:
    exit: int
    stdout: str
    stderr: str


def load_cases() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]


def expand(value: Any, root: Path) -> Any:
    """{"path"}, {"repeat", "times"} and {"json"} values of a case, made concrete under `root`."""
    if isinstance(value, list):
        return [expand(v, root) for v in value]
    if not isinstance(value, dict):
        return value
    if "path" in value:
        return str(root / value["path"])
    if "repeat" in value:
        return value["repeat"] * value["times"]
    if "json" in value:
        return json.dumps(expand(value["json"], root), ensure_ascii=False)
    return {k: expand(v, root) for k, v in value.items()}


def make_files(files: dict[str, dict[str, Any]], root: Path) -> None:
    for name, spec in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if spec.get("dir"):
            path.mkdir(exist_ok=True)
        elif "symlink" in spec:
            path.symlink_to(root / spec["symlink"])
        elif "hex" in spec:
            path.write_bytes(bytes.fromhex(spec["hex"]))
        else:
            path.write_text(spec.get("text", "") + spec.get("repeat", "") * spec.get("times", 0), encoding="utf-8")


def run_case(case: dict[str, Any], root: Path, capsys: Any, monkeypatch: Any) -> Outcome:
    from talkscope.agent.cli import run

    make_files(case.get("files", {}), root)
    monkeypatch.chdir(root)
    stdin = "".join(line + "\n" for line in expand(case.get("stdin", []), root))
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    capsys.readouterr()
    with isolated():
        code = run(expand(case["argv"], root))
    out, err = capsys.readouterr()
    return Outcome(code, out, err)


@contextmanager
def isolated() -> Iterator[None]:
    """Run `talkscope.agent.cli.run` in this process and put back what it changes for its process: the
    environment switches it sets (TALKSCOPE_VERBOSE and the libraries'), the warning filters and display, the
    root logger's handlers and the levels of the loggers it quiets. Without this a verbose case leaked
    TALKSCOPE_VERBOSE=1 and every CLI a later test started printed the libraries' warnings. TALKSCOPE_VERBOSE
    is unset during the case (the case says whether it is verbose); the libraries' switches keep their values."""
    from talkscope.agent.terminal import ENV, LOGGERS

    env = {key: os.environ.get(key) for key in ("TALKSCOPE_VERBOSE", *ENV)}
    os.environ.pop("TALKSCOPE_VERBOSE", None)
    shown, filters = warnings.showwarning, list(warnings.filters)
    root = logging.getLogger()
    handlers = list(root.handlers)
    loggers = [root, *(logging.getLogger(name) for name in LOGGERS)]
    levels = [lg.level for lg in loggers]
    try:
        yield
    finally:
        for key, value in env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        warnings.showwarning = shown
        warnings.resetwarnings()  # also tells the warnings machinery its filters changed
        warnings.filters[:] = filters
        root.handlers[:] = handlers
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)  # setLevel, not the attribute: it clears the loggers' cached answers
