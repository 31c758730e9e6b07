"""The table front door through the real CLI in a subprocess: `tool --data`, `ask --data`, `route --data`, and
bad tables answered in one line with exit 2."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli

pytestmark = pytest.mark.slow


def test_tool_with_data_gives_the_json_contract(tmp_path):
    r = run_cli("tool", "count", "--data", "penguins", "--args", '{"filter": "island == \'Biscoe\'"}', "--json",
                cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["data"]["count"] == 168 and out["data"]["condition"] == "island == 'Biscoe'"


def test_ask_with_data_routes_runs_and_cites(tmp_path):
    r = run_cli("ask", "which features matter most for penguins on Biscoe?", "--data", "penguins", "--json",
                cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    reply = json.loads(r.stdout)
    call = reply["calls"][0]
    assert call["tool"] == "importance" and call["args"]["filter"] == "island == 'Biscoe'"
    assert "[E1]" in reply["answer"] and "held-out accuracy" in reply["answer"]


@pytest.mark.parametrize(("args", "message"), [
    (["--data", "nowhere.csv"], "no such file"),
    (["--data", "penguins", "--target", "colour"], "there is no column 'colour'; the columns are: species"),
    (["--data", "EMPTY"], "is empty: a table needs a header row"),
    (["--data", "BINARY"], "could not be read as a table"),
    (["--data", "ONECLASS", "--target", "y"], "has a single value"),
])
def test_bad_tables_are_one_line_errors(tmp_path, args, message):
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "binary.csv").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "one.csv").write_text("x,y\n1,a\n2,a\n3,a\n")
    files = {"EMPTY": str(tmp_path / "empty.csv"), "BINARY": str(tmp_path / "binary.csv"),
             "ONECLASS": str(tmp_path / "one.csv")}
    args = [files.get(a, a) for a in args]
    r = run_cli("tool", "count", *args, "--json", cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_a_table_tool_without_data_says_how_to_load_one(tmp_path):
    r = run_cli("tool", "count", "--json", cwd=tmp_path)
    assert r.returncode == 2 and "give --data FILE" in r.stderr
