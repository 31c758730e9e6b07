"""The real `talkscope` command in subprocesses: JSON contracts and one-line errors."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli

pytestmark = pytest.mark.slow


def test_ask_json_carries_the_real_continuation_and_probabilities(model):
    proc = run_cli("ask", 'What does the model say after "The capital of France is"?', "--json")
    assert proc.returncode == 0, proc.stderr
    reply = json.loads(proc.stdout)
    assert set(reply) == {"question", "answer", "calls", "evidence", "sources", "uncertainty", "model"}
    assert reply["calls"] == [{"tool": "generate",
                               "args": {"prompt": "The capital of France is", "max_new_tokens": None}}]
    (e1,) = reply["evidence"]
    assert e1["id"] == "E1" and e1["tool"] == "generate" and "[E1]" in reply["answer"]
    assert set(e1) == {"id", "tool", "summary", "data", "uncertainty", "figure", "ok"}
    ids = model.encode("The capital of France is").tensor("cpu")
    probs = model.next_token_logits(ids)[0].softmax(-1)
    top = int(probs.argmax())
    assert e1["data"]["tokens"][0] == model.tokenizer.decode([top])
    assert e1["data"]["probs"][0] == pytest.approx(float(probs[top]), abs=1e-4)
    assert e1["data"]["text"].startswith(" the capital")
    assert reply["model"] == {"name": model.name, "layers": 18, "device": "cpu"}
    assert reply["uncertainty"]["level"] in {"low", "medium", "high"}


def test_tool_batch_loads_once_and_keeps_going_after_a_bad_line(tmp_path):
    batch = tmp_path / "calls.jsonl"
    batch.write_text('{"prompt": "The capital of France is", "max_new_tokens": 3}\n'
                     '{"prompt": ""}\n'
                     '{"prompt": "Two plus two is", "max_new_tokens": 2}\n')
    proc = run_cli("tool", "generate", "--batch", str(batch), "--json")
    assert proc.returncode == 3, proc.stderr  # one call could not run: the others were still answered
    lines = [json.loads(x) for x in proc.stdout.splitlines()]
    assert len(lines) == 3
    assert all(set(x) == {"tool", "args", "data", "evidence", "uncertainty", "elapsed_s"} for x in lines)
    assert len(lines[0]["data"]["tokens"]) == 3 and lines[0]["elapsed_s"] > 0
    assert set(lines[1]["data"]) == {"error"} and "prompt" in lines[1]["data"]["error"]
    assert len(lines[2]["data"]["tokens"]) == 2


def test_route_prints_one_element_per_turn():
    proc = run_cli("route", 'Complete "The sky is"', "What does it say?", "--json")
    assert proc.returncode == 0, proc.stderr
    turns = json.loads(proc.stdout)
    assert [t["calls"][0]["args"]["prompt"] for t in turns] == ["The sky is", "The sky is"]
    assert all(set(t) == {"calls", "confidence", "clarify"} for t in turns)


@pytest.mark.parametrize("args, needle", [
    (("info", "--model", "/nonexistent/model.gguf"), "no GGUF file at /nonexistent/model.gguf"),
    (("info", "--model", "./no-such-folder"), "not found on disk"),
    (("ask", "  "), "the question is empty"),
    (("tool", "frobnicate"), "unknown tool 'frobnicate'; available tools:"),
    (("tool", "generate", "--args", "{not json"), "--args is not valid JSON"),
])
def test_bad_input_gives_one_line_error_and_nonzero_exit(args, needle):
    proc = run_cli(*args)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("talkscope: error:") and needle in lines[0]


@pytest.mark.parametrize("args", [("--nonsense",), ("tool", "generate", "--dataset", "x.csv"), ("ask",)])
def test_usage_errors_are_short_messages_with_exit_2_not_tracebacks(args):
    proc = run_cli(*args)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 6 and ("No such option" in proc.stderr or
                                                           "Missing argument" in proc.stderr)


def test_info_and_tools_describe_the_setup():
    proc = run_cli("info", "--json")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["layers"] == 18 and info["device"] == "cpu" and info["hidden_size"] == 640
    tools = json.loads(run_cli("tools", "--json").stdout)
    assert {t["name"] for t in tools} >= {"generate", "help"}


def test_attribution_tool_and_ask_from_the_command_line(tmp_path):
    proc = run_cli("tool", "attribution", "--args",
                   '{"prompt": "The capital of France is", "target": "Paris", "contrast": "Lyon"}',
                   "--json", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["data"]["contrast"] == "Lyon" and len(out["data"]["scores"]) == 6
    assert out["data"]["check"]["method"] == "occlusion"
    proc = run_cli("ask", 'Why did the model say "Paris" after "The capital of France is"?', "--json",
                   "--out", str(tmp_path))
    reply = json.loads(proc.stdout)
    (e1,) = reply["evidence"]
    assert e1["tool"] == "attribution" and e1["figure"].endswith(".png")
    assert (tmp_path / e1["figure"].split("/")[-1]).is_file()
    assert "Integrated gradients" in reply["answer"] and "Spearman" in reply["answer"] and "[E1]" in reply["answer"]
    assert f"{e1['data']['check']['spearman']:.2f}" in reply["answer"], "the answer quotes the evidence's number"


def test_patchscope_ask_names_the_layer_count_and_cites_a_figure(tmp_path):
    proc = run_cli("ask", 'What does layer 4 encode at "France" in "The capital of France is"?', "--json",
                   "--out", str(tmp_path))
    reply = json.loads(proc.stdout)
    assert reply["calls"][0] == {"tool": "patchscope", "args": {
        "prompt": "The capital of France is", "token": "France", "layer": 4, "kind": None, "relation": None,
        "target_prompt": None}}
    assert "18 layers" in reply["answer"] and "France" in reply["answer"] and "[E1]" in reply["answer"]
    assert reply["evidence"][0]["figure"].endswith(".png")


def test_probe_from_the_command_line(tmp_path):
    from talkscope.tools.engine.loading import cache_root

    (tmp_path / "cache").mkdir()  # hidden states computed afresh; the dequantized model shared, not rebuilt
    (cache_root() / "models").mkdir(parents=True, exist_ok=True)
    (tmp_path / "cache" / "models").symlink_to(cache_root() / "models", target_is_directory=True)
    env_cache = str(tmp_path / "cache")
    proc = run_cli("ask", "Which layer best separates true statements from false ones?", "--json",
                   "--out", str(tmp_path), env={"TALKSCOPE_CACHE": env_cache})
    assert proc.returncode == 0, proc.stderr
    reply = json.loads(proc.stdout)
    assert reply["calls"] == [{"tool": "probe", "args": {"concept": "factuality", "layer": None, "pooling": None}}]
    d = reply["evidence"][0]["data"]
    i = d["layers"].index(d["best_layer"])
    assert f"layer {d['best_layer']} of 18" in reply["answer"]
    assert f"{d['accuracy'][i]:.2f}" in reply["answer"] and f"{d['control_accuracy'][i]:.2f}" in reply["answer"]
    assert reply["evidence"][0]["figure"].endswith(".png")
