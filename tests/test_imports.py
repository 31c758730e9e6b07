"""Import weight: routing a turn imports no plotting, scikit-learn, scipy or captum (checked in a fresh
interpreter, where nothing else has imported them)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("matplotlib", "sklearn", "scipy", "captum", "sentence_transformers")
CHECK = "import json, sys; {code}; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r}))))"


def heavy_after(code: str) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", CHECK.format(code=code, heavy=HEAVY)], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_importing_the_router_and_the_catalog_stays_light():
    assert heavy_after("import talkscope.agent.router; from talkscope.tools.base import list_tools; list_tools()") == []


@pytest.mark.slow
def test_routing_a_turn_stays_light():
    code = ("from talkscope.agent.router import Router; "
            "r = Router().route('What does the model say after \"Hi\"?'); assert r.calls[0].tool == 'generate'")
    assert heavy_after(code) == []
