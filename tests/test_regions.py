"""`regions` on the real default model: a user's text file ranked, every shipped language's perplexity under the
top, bottom and random ablations, the weights bit-identical afterwards, and bad input."""

from __future__ import annotations

import pytest
import torch

from talkscope.tools.base import get_tool
from talkscope.tools.engine import regions as R
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.regions import RegionsFinding

PASSAGES = ["The river runs past the old mill and under the stone bridge before it reaches the sea.",
            "In the morning the market fills with farmers selling apples, cheese and fresh bread.",
            "The train to the coast leaves at nine and arrives a little after noon.",
            "Children played in the park while their parents talked on the benches nearby."]


@pytest.mark.slow
def test_regions_of_a_users_file(ctx, tmp_path, model, monkeypatch):
    import talkscope.tools.regions as tool_module

    monkeypatch.setattr(tool_module, "HELDOUT_PASSAGES", 1)  # one held-out passage per shipped language: CI time
    path = tmp_path / "town.txt"
    path.write_text("\n".join(PASSAGES))
    params = R.block_parameters(model)
    before = {n: p.detach().clone() for n, p in params.items()}
    r = get_tool("regions")(ctx, {"texts": str(path), "k": 1})
    d = r.data
    assert all(torch.equal(p, before[n]) for n, p in params.items())  # ablations undone bit for bit
    assert d["texts"] == "town" and d["region_size"] == round(d["n_parameters"] / 100) and d["heldout_passages"] == 1
    assert d["n_parameters"] == sum(p.numel() for p in params.values())
    sets = [row["set"] for row in d["ablation"]]
    assert set(sets) == set(R.languages()) | {"town"}
    town = next(row for row in d["ablation"] if row["set"] == "town")
    assert town["top_ppl"] > 10 * town["base_ppl"]  # the top 1% carries the text
    assert abs(town["bottom_ppl"] / town["base_ppl"] - 1) < 0.05  # the bottom 1% does not
    assert d["bottom_zero_share"] > 0.5  # ... mostly because quantization had already zeroed those weights
    base = R.perplexities(model, {"town": PASSAGES[2:]})
    assert base["town"] == pytest.approx(town["base_ppl"], rel=1e-3)
    assert len(d["by_module"]["mlp.down_proj"]) == model.n_layers and r.figure
    assert sum(map(sum, d["importance_by_module"].values())) == pytest.approx(1, abs=1e-3)


@pytest.mark.slow
def test_regions_bad_input(ctx, tmp_path):
    tool = get_tool("regions")
    with pytest.raises(TalkscopeError, match="outside"):
        tool(ctx, {"texts": "english", "k": 0})
    with pytest.raises(TalkscopeError, match="outside"):
        tool(ctx, {"texts": "english", "k": 60})
    with pytest.raises(TalkscopeError, match="is not a file.*english"):
        tool(ctx, {"texts": "klingon"})
    short = tmp_path / "short.txt"
    short.write_text("one line\n\ntwo lines\n")
    with pytest.raises(TalkscopeError, match="at least 3 passages"):
        tool(ctx, {"texts": str(short)})


def test_shipped_languages_have_train_and_heldout_text():
    langs = R.languages()
    assert len(langs) >= 6 and {"russian", "ukrainian", "english"} <= set(langs)
    for name in langs:
        s = R.shipped_set(name)
        assert len(s.train) >= 20 and len(s.heldout) >= 10 and not set(s.train) & set(s.heldout), name


def test_regions_wording():
    rows = [{"set": "russian", "base_ppl": 22.0, "top_ppl": 3.4e13, "bottom_ppl": 22.0, "random_ppl": 115.8},
            {"set": "ukrainian", "base_ppl": 25.7, "top_ppl": 3.6e13, "bottom_ppl": 25.7, "random_ppl": 246.2}]
    shares = {"mlp.down_proj": [0.01, 0.2], "input_layernorm": [0.9, 0.9]}
    f = RegionsFinding("russian", 1, 100325376, 1003254, rows, shares, shares, 4, 2, "gemma")
    text = f.sentences("E1")
    assert text.startswith("Ranking the 100,325,376 decoder-block parameters of gemma by |gradient x weight| on "
                           "russian and zeroing the top 1% (1,003,254) raises russian's held-out perplexity from 22.0 "
                           "to 3.4e+13")
    assert "densest in mlp.down_proj (layer 2: 20.0% of it)" in text and "already zero" not in text
    f.bottom_zero_share = 0.99
    assert "the bottom 1% gives 22.0 (99% of its weights were already zero)" in f.sentences("E1")
