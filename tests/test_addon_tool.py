"""Adding a tool is one module plus its route data: a toy add-on package, installed only by putting it on
the path with an entry point, is routed to and answers with a cited sentence through the real CLI."""

from __future__ import annotations

import json
import os
import sys
import textwrap

import pytest
from conftest import run_cli

pytestmark = pytest.mark.slow

MODULE = '''
"""A toy add-on tool: how many words a text has."""
from dataclasses import dataclass

from talkscope.tools.base import Arg, Finding, Tool, ToolContext, ToolResult, Uncertainty

TEXT = {"answer": "\\"{text}\\" has {n} words [{ref}]."}


@dataclass
class WordCount(Finding):
    n_words: int
    text: str

    def summary(self):
        return f"{self.n_words} words"

    def sentences(self, ref, cites=()):
        return TEXT["answer"].format(text=self.text, n=self.n_words, ref=ref)

    def uncertainty(self):
        return Uncertainty.from_score(0.0, "counted exactly")


class WordCountTool(Tool):
    name = "word_count"
    description = "How many words a text has."
    inputs = {"text": Arg("string", "the text to count", required=True)}
    examples = ('How many words are in "the quick brown fox"?',)
    needs_model = False

    def run(self, ctx: ToolContext, text: str) -> ToolResult:
        return self.result(WordCount(len(text.split()), text))
'''

ROUTES = {"tool": "word_count",
          "exemplars": ["Count the words of X", "Word count of X", "How long is X in words?", "Number of words in X"],
          "slots": {"text": ["(?P<v>QUOTED)"]}}


def make_addon(root) -> None:
    pkg = root / "wordcount_addon"
    (pkg / "data" / "routes").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "tool.py").write_text(textwrap.dedent(MODULE))
    (pkg / "data" / "routes" / "word_count.json").write_text(json.dumps(ROUTES))
    dist = root / "wordcount_addon-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: wordcount-addon\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[talkscope.tools]\nword_count = wordcount_addon.tool:WordCountTool\n")


def test_an_addon_package_is_routed_to_and_answers_with_citations(tmp_path):
    make_addon(tmp_path)
    env = {"PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    tools = json.loads(run_cli("tools", "--json", env=env).stdout)
    assert "word_count" in {t["name"] for t in tools}
    proc = run_cli("ask", 'Count the words of "talkscope explains language models"', "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    reply = json.loads(proc.stdout)
    assert reply["calls"] == [{"tool": "word_count", "args": {"text": "talkscope explains language models"}}]
    assert reply["answer"] == '"talkscope explains language models" has 4 words [E1].'
    assert reply["evidence"][0]["data"] == {"n_words": 4, "text": "talkscope explains language models"}
    assert reply["model"]["layers"] is None  # the add-on needed no model, so none was loaded
    helped = json.loads(run_cli("ask", "What can you do?", "--json", env=env).stdout)
    assert "word_count: How many words a text has." in helped["answer"]
