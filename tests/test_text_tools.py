"""The text-dataset tools on the real default model, over the first 120 demo tickets: the model's reading equals
a plain transformers loop, an interrupted reading resumes from its cache, each tool keeps its contract, and the
CLI answers in a subprocess. Ray's path is checked against the local one on a local Ray instance."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import run_cli

from talkscope.tools.base import ToolContext, get_tool
from talkscope.tools.engine.text import reading
from talkscope.tools.engine.text.state import TextState

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
N = 120


@pytest.fixture(scope="module")
def subset(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("texts") / "tickets120.jsonl"
    lines = (ROOT / "tools/data/texts/tickets.jsonl").read_text(encoding="utf-8").splitlines()[:N]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def state(subset, tmp_path_factory) -> TextState:
    return TextState(str(subset), "text", "label", tmp_path_factory.mktemp("cache"))


@pytest.fixture()
def tctx(model, state, tmp_path) -> ToolContext:
    c = ToolContext(model_spec="default", out_dir=tmp_path / "out", text_state=state)
    c._model = model
    return c


def test_surprisal_equals_a_plain_transformers_loop(model, state) -> None:
    texts = state.data.texts[:12]
    rows = reading.compute_rows(model, texts)
    for text, got in zip(texts, rows["surprisal"]):
        ids = torch.tensor([reading.encode_all(model, [text])[0]])
        with torch.no_grad():
            logp = torch.log_softmax(model.model(ids).logits.float(), -1)[0, :-1]
        want = float(-logp.gather(1, ids[0, 1:, None]).mean())
        assert abs(got - want) < 2e-4


def test_pooled_states_of_a_left_padded_batch_are_each_texts_own(model) -> None:
    texts = ["Short one.", "A somewhat longer message about a kettle that will not boil at all.", "Mid length text."]
    together = reading.compute_rows(model, texts)
    for i, text in enumerate(texts):
        alone = reading.compute_rows(model, [text])
        assert np.allclose(together["states"][i].astype(np.float32), alone["states"][0].astype(np.float32),
                           rtol=2e-2, atol=2e-2)
        assert abs(together["surprisal"][i] - alone["surprisal"][0]) < 1e-4
    ids = reading.encode_all(model, [texts[0]])[0]
    with torch.no_grad():
        hs = model.residual_stream(torch.tensor([ids]))[:, 0, 1:].float().mean(1)  # every layer, BOS left out
    assert np.allclose(together["states"][0].astype(np.float32), hs.numpy(), rtol=2e-2, atol=2e-2)


def test_an_interrupted_reading_resumes_from_its_cache(model, tmp_path) -> None:
    texts = [f"Order {i} arrived late and the box was damaged." for i in range(10)]
    calls = []

    def dies_after_one_shard(m, todo, keys, save, advance):
        calls.append(len(todo))
        save(keys[:4], reading.compute_rows(m, todo[:4]))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        reading.read_examples(model, texts, tmp_path, runner=dies_after_one_shard)
    again = reading.read_examples(model, texts, tmp_path)
    assert again.from_cache == 4 and calls == [10]
    fresh = reading.read_examples(model, texts, None)
    assert np.allclose(again.surprisal, fresh.surprisal, atol=1e-5)


def test_topics_keep_the_contract(tctx) -> None:
    result = get_tool("topics")(tctx, {"k": 4})
    assert result.ok, result.summary()
    d = result.data
    assert d["k"] == 4 and sum(c["size"] for c in d["clusters"]) == N and len(d["stability_ari"]) == 4
    assert all(c["name_by"] and c["keywords"] and len(c["examples"]) == 3 for c in d["clusters"])
    assert "written by the local model" in result.sentences("E1")
    assert tctx.texts.shown == (None, 4)  # "cluster 2" now means this clustering's cluster 2
    mask, name = tctx.texts.mask("cluster 1")
    assert mask.sum() == d["clusters"][1]["size"] and name == "cluster 1 (of the 4 topics)"


def test_surprise_ranks_texts_and_explains_one(tctx, state) -> None:
    result = get_tool("surprise")(tctx, {"by": "label", "n": 3})
    d = result.data
    assert [r["surprisal"] for r in d["most"]] == sorted([r["surprisal"] for r in d["most"]], reverse=True)
    assert d["most"][0]["surprisal"] >= d["least"][0]["surprisal"]
    assert {g["group"] for g in d["groups"]} == set(state.data.classes)
    one = get_tool("surprise")(tctx, {"example": 7})
    tokens = one.data["example"]["tokens"]
    assert abs(np.mean([v for _, v in tokens]) - one.data["example"]["surprisal"]) < 1e-3
    read = state.readings(tctx.model)
    assert abs(read.surprisal[state.data.position(7)] - one.data["example"]["surprisal"]) < 1e-3
    assert one.figure and one.data["mean"] == pytest.approx(float(read.surprisal.mean()), abs=1e-4)


def test_label_check_lists_suspects_in_ranked_order(tctx) -> None:
    result = get_tool("label_check")(tctx, {"part": "mislabels", "n": 5})
    suspects = result.data["suspects"]
    assert suspects and set(suspects[0]) == {"id", "given", "suggested", "score"}
    assert all(s["given"] != s["suggested"] for s in suspects)
    assert [s["score"] for s in suspects] == sorted([s["score"] for s in suspects], reverse=True)


def test_contrast_reports_words_and_checks_the_description(tctx) -> None:
    result = get_tool("contrast_groups")(tctx, {"group_a": "refund", "group_b": "billing"})
    d = result.data
    assert d["words_a"] and d["words_a"][0]["z"] > 0 and d["words_b"][0]["z"] < 0
    c = d["check"]
    assert c["n_a"] + c["n_b"] < d["n_a"] + d["n_b"] and c["fit_a"] <= c["n_a"]  # checked on held-out halves
    assert "separate" in result.finding.summary()
    assert d["description"].startswith("unlike label == 'billing', label == 'refund' texts are mostly about ")


def test_the_cli_runs_a_text_tool_and_refuses_bad_columns(subset, tmp_path) -> None:
    r = run_cli("tool", "contrast_groups", "--data", str(subset), "--text", "text", "--label", "label",
                "--args", '{"group_a": "praise"}', "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["data"]["group_b"] == "not label == 'praise'"
    bad = run_cli("tool", "topics", "--data", str(subset), "--text", "body", "--json", cwd=tmp_path)
    assert bad.returncode == 2 and "no column 'body'; the columns are: text, label, product" in bad.stderr


def test_ray_gives_the_local_numbers(model) -> None:
    pytest.importorskip("ray")
    from talkscope.tools.engine.text.scale import ray_runner

    texts = [f"Message {i}: my {w} stopped working after the update." for i, w in
             enumerate(["router", "kettle", "vacuum", "earbuds"] * 4)]
    local = reading.read_examples(model, texts, None)
    try:
        remote = reading.read_examples(model, texts, None, runner=ray_runner("local", actors=1, batch_size=8,
                                                                            num_cpus=2))
    finally:
        import ray

        ray.shutdown()
    assert np.allclose(local.surprisal, remote.surprisal, atol=1e-4)
    assert np.allclose(local.states.astype(np.float32), remote.states.astype(np.float32), rtol=2e-2, atol=2e-2)
