"""The bad-input corpus (`data/bad_inputs.jsonl`): every case ends with the exit code and message it states, one
short stderr message at most, and never a traceback."""

from __future__ import annotations

import os
import warnings

import pytest
from bad_inputs import isolated, load_cases, run_case

CASES = load_cases()


@pytest.mark.slow
def test_the_corpus_is_large_and_covers_every_command():
    assert len(CASES) >= 150
    commands = {c["argv"][0] for c in CASES}
    assert {"ask", "route", "tool", "index", "chat"} <= commands
    tools = {c["argv"][1] for c in CASES if c["argv"][0] == "tool" and len(c["argv"]) > 1}
    from talkscope.tools.base import list_tools

    assert {t.name for t in list_tools()} <= tools


@pytest.mark.parametrize("verbose", [False, True], ids=["quiet", "verbose"])
def test_a_case_leaves_this_process_as_it_was(monkeypatch, verbose):
    """`run` quiets the libraries (or, with --verbose, sets TALKSCOPE_VERBOSE and logs at INFO) for its
    process; run in-process, none of it may outlive the case, or later tests' CLIs would change."""
    import logging

    from talkscope.agent.cli import run
    from talkscope.agent.terminal import ENV, LOGGERS

    monkeypatch.delenv("TALKSCOPE_VERBOSE", raising=False)
    for key in ENV:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # a switch the shell set keeps its value
    before = (warnings.showwarning, list(warnings.filters), list(logging.getLogger().handlers),
              [logging.getLogger(n).level for n in ("", *LOGGERS)], logging.getLogger().level)
    with isolated():
        assert run(["--help", *(["--verbose"] if verbose else [])]) == 0
        assert (os.environ.get("TALKSCOPE_VERBOSE") == "1") == verbose
        assert logging.getLogger("transformers").level != before[3][1] or verbose
    after = (warnings.showwarning, list(warnings.filters), list(logging.getLogger().handlers),
             [logging.getLogger(n).level for n in ("", *LOGGERS)], logging.getLogger().level)
    assert after == before
    assert "TALKSCOPE_VERBOSE" not in os.environ and os.environ["HF_HUB_OFFLINE"] == "1"
    assert not {k for k in ENV if k != "HF_HUB_OFFLINE"} & set(os.environ)


@pytest.fixture()
def shared_model(model, monkeypatch):
    """The session's real model stands in for every `--model default` load (loading it per case would
    repeat the same 3 s 200 times); any other spec loads for real."""
    import talkscope.tools.engine.loading as loading

    real = loading.load_model

    def load(spec: str = "default", device: str | None = None):
        return model if (spec or "default") == "default" and device in (None, "cpu") else real(spec, device)

    monkeypatch.setattr(loading, "load_model", load)
    return model


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_input(case, shared_model, tmp_path, capsys, monkeypatch):
    got = run_case(case, tmp_path, capsys, monkeypatch)
    where = f"exit {got.exit}\nstdout: {got.stdout[-1500:]}\nstderr: {got.stderr[-1500:]}"
    assert got.exit == case["exit"], where
    assert "Traceback" not in got.stderr + got.stdout, where
    if case.get("stderr"):
        assert case["stderr"] in got.stderr, where
    if case.get("stdout") is not None:
        assert case["stdout"] in got.stdout, where
    if got.exit == 2:
        assert 1 <= len(got.stderr.strip().splitlines()) <= 6, where
