"""Run one case of `data/bad_inputs.jsonl` (written by `data/make_bad_inputs.py`) through the real command-line
entry point, `talkscope.agent.cli.run`, in this process so the real model loads once for all of them."""

from __future__ import annotations

import io
import json
import logging
import warnings
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

    isolate(monkeypatch)
    make_files(case.get("files", {}), root)
    monkeypatch.chdir(root)
    stdin = "".join(line + "\n" for line in expand(case.get("stdin", []), root))
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    capsys.readouterr()
    code = run(expand(case["argv"], root))
    out, err = capsys.readouterr()
    return Outcome(code, out, err)


def isolate(monkeypatch: Any) -> None:
    """What `run` changes for its process (TALKSCOPE_VERBOSE and the libraries' switches in the environment, the
    warning display, the root logger) is put back after the case, so later tests and the subprocesses they
    start see this process as it was: a leaked TALKSCOPE_VERBOSE=1 would make every later CLI verbose."""
    from talkscope.agent.terminal import ENV

    for key in ("TALKSCOPE_VERBOSE", *ENV):
        # setenv first: delenv alone records nothing for a variable that is not set, so one set later would stay
        monkeypatch.setenv(key, "")
        monkeypatch.delenv(key)
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
    monkeypatch.setattr(warnings, "filters", list(warnings.filters))
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
