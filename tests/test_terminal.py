"""A clean terminal: one turn per tool through the real CLI leaves nothing on stderr but talkscope's own lines;
--verbose lets the libraries speak."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import TALKSCOPE, run_cli

TURNS = {
    "generate": 'What does the model say after "The capital of France is"?',
    "attribution": 'Why did the model say "Paris" after "The capital of France is"? Use saliency.',
    "patchscope": 'What does layer 4 encode at "France" in "The capital of France is"?',
    "logit_lens": 'Show the logit lens for "The capital of France is"',
    "probe": "Is sentiment linearly decodable at layer 6?",
    "confidence": 'How sure is the model about "The capital of France is"?',
    "sources": "Which documents mention the Eiffel Tower?",
    "help": "What can you do?",
}
OWN = ("talkscope", "Model:", "Documents:")  # what talkscope itself may write to stderr ...
BAR = "━"  # ... and its rich progress bars (tools/engine/progress.py)


def library_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines()
            if line.strip() and not line.lstrip().startswith(OWN) and BAR not in line]


@pytest.mark.slow
def test_one_turn_per_tool_leaves_stderr_clean(tmp_path):
    """The chat, with a follow-up (where transformers' deprecation warnings used to surface)."""
    lines = ["/json", *TURNS.values(), "what about layer 9?", "/quit"]
    proc = subprocess.run([TALKSCOPE, "chat", "--out", str(tmp_path)],
                          input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=900,
                          env={k: v for k, v in os.environ.items() if k != "TALKSCOPE_VERBOSE"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    ran = {c["tool"] for c in _replies(proc.stdout) for c in c["calls"]}
    assert set(TURNS) <= ran, ran
    assert library_lines(proc.stderr) == [], proc.stderr[-3000:]


@pytest.mark.slow
def test_tool_and_index_commands_leave_stderr_clean(tmp_path):
    doc = tmp_path / "a.txt"
    doc.write_text("The Eiffel Tower is in Paris.")
    for args in (("tool", "patchscope", "--args", '{"prompt": "The capital of France is", "token": "France"}'),
                 ("index", str(doc), "--index", str(tmp_path / "idx"))):
        proc = run_cli(*args, "--json", "--out", str(tmp_path)) if args[0] == "tool" else run_cli(*args, "--json")
        assert proc.returncode == 0, proc.stderr
        assert library_lines(proc.stderr) == [], proc.stderr


def _replies(stdout: str) -> list[dict]:
    """The raw Reply JSON objects the chat prints after /json (one per turn)."""
    out, dec, i = [], json.JSONDecoder(), 0
    while (i := stdout.find('{\n  "question"', i)) != -1:
        obj, end = dec.raw_decode(stdout, i)
        out.append(obj)
        i = end
    return out


def test_quiet_libraries_silences_warnings_and_library_logs_unless_verbose():
    code = ("import logging, warnings; from talkscope.agent.terminal import quiet_libraries; "
            "quiet_libraries({v}); warnings.warn('lib says', FutureWarning); "
            "logging.getLogger('transformers').warning('lib logs'); logging.getLogger('chromadb').error('db')")
    quiet = subprocess.run([sys.executable, "-c", code.format(v=False)], capture_output=True, text=True)
    loud = subprocess.run([sys.executable, "-c", code.format(v=True)], capture_output=True, text=True)
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert "lib says" in loud.stderr and "lib logs" in loud.stderr
