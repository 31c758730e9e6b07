"""`trace` on the real default model: the sweep against a per-restoration loop, the paper's sanity checks, the
answer's wording and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from talkscope.tools.base import get_tool
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.trace import TraceFinding, guess_subject

PROMPT = "The capital of France is"


@pytest.fixture(scope="module")
def traced(model, tmp_path_factory):
    from talkscope.tools.base import ToolContext

    ctx = ToolContext(out_dir=tmp_path_factory.mktemp("trace"))
    ctx._model = model
    return {kind: get_tool("trace")(ctx, {"prompt": PROMPT, "subject": "France", "answer": "Paris", "kind": kind})
            for kind in ("state", "mlp")}


@pytest.mark.slow
def test_trace_contract_and_sanity(traced, model):
    d = traced["state"].data
    L = model.n_layers
    assert d["layers"] == list(range(L + 1)) and len(d["effects"]) == L + 1 and len(d["effects"][0]) == 6
    assert d["answer"] == " Paris" and d["subject_positions"] == [4] and d["samples"] == 5
    # restoring the whole last state, or the subject's embedding, undoes the corruption exactly
    assert d["effects"][L][5] == pytest.approx(d["clean"], rel=1e-4)
    assert d["effects"][0][4] == pytest.approx(d["clean"], rel=1e-3)
    assert d["corrupted"] < d["clean"] / 5  # the noise destroys the fact
    for row in d["effects"]:  # positions before the subject are never changed by restoring them
        assert row[:4] == pytest.approx([d["corrupted"]] * 4)
    assert traced["state"].figure and traced["state"].uncertainty.level in ("low", "medium")


@pytest.mark.slow
def test_the_mlp_effect_lies_at_the_last_subject_token_in_early_middle_layers(traced):
    """Meng et al.'s early site, as this model shows it: the largest MLP effect is at "France"."""
    d = traced["mlp"].data
    top = d["top"][0]
    assert top["position"] == 4 and 2 <= top["layer"] <= 8 and top["ci_low"] > 0
    answer = traced["mlp"].sentences("E1")
    assert "the last subject token" in answer and "MLP outputs" in answer and "[E1]" in answer


@pytest.mark.slow
def test_the_batched_sweep_equals_one_forward_per_restoration(model):
    """A few cells recomputed one restoration per forward (the loop the batch replaces)."""
    import torch

    from talkscope.tools.engine.tracing import _corruptions, capture, run_trace

    tr = run_trace(model, PROMPT, "France", "Paris", "state", samples=2)
    enc = model.encode(PROMPT)
    embeds = model.token_embeddings(enc.tensor("cpu"))
    clean = capture(model, embeds, "state", list(range(model.n_layers + 1)))
    noisy = _corruptions(model, enc, embeds, tr.subject, None, 2)
    for s, layer, pos in [(0, 3, 4), (1, 9, 5), (1, 15, 4)]:
        def edit(h, layer=layer, pos=pos):
            h = h.clone()
            h[0, pos] = clean[layer][pos]
            return h
        with torch.no_grad(), model.edit_sites({("state", layer): edit}):
            logits = model.head(model.normed_from_embeddings(noisy[s])[:, -1:])[0, 0].float()
        assert tr.effects[s, layer, pos] == pytest.approx(float(logits.softmax(-1)[tr.answer_id]), rel=1e-3)


@pytest.mark.slow
def test_trace_bad_input(ctx):
    tool = get_tool("trace")
    with pytest.raises(TalkscopeError, match="not in the prompt"):
        tool(ctx, {"prompt": PROMPT, "subject": "Germany"})
    with pytest.raises(TalkscopeError, match="align token for token"):
        tool(ctx, {"prompt": PROMPT, "subject": "France", "counterfactual": "The capital city of Italy is"})
    with pytest.raises(TalkscopeError, match="kind"):
        tool(ctx, {"prompt": PROMPT, "subject": "France", "kind": "heads"})
    with pytest.raises(TalkscopeError, match="empty"):
        tool(ctx, {"prompt": "  ", "subject": "France"})


def test_the_subject_is_guessed_from_the_prompts_first_name():
    assert guess_subject("The Eiffel Tower is located in the city of") == "Eiffel Tower"
    assert guess_subject("Barack Obama was born in") == "Barack Obama"
    assert guess_subject("In 1969, Neil Armstrong walked on the") == "Neil Armstrong"
    with pytest.raises(TalkscopeError, match="subject"):
        guess_subject("the cat sat on the")


def _finding(clean=0.08, corrupted=0.001) -> TraceFinding:
    effects = np.full((18, 6), corrupted)
    effects[4, 4] = 0.05
    top = [{"layer": 5, "position": 4, "token": " France", "effect": 0.049, "ci_low": 0.04, "ci_high": 0.058}]
    return TraceFinding("mlp", " Paris", clean, corrupted, effects.tolist(), effects.tolist(), effects.tolist(),
                        list(range(1, 19)), ["<bos>", "The", " capital", " of", " France", " is"], [4], top, 5,
                        4, 18, prompt="The capital of France is")


def test_trace_wording_names_the_site_and_its_interval():
    text = _finding().sentences("E1")
    assert text.startswith('Causal tracing of "Paris" after \'The capital of France is\' (subject embeddings '
                           'corrupted by Gaussian noise, 5 samples): the model gives it p = 0.080 clean and 0.001 '
                           'corrupted [E1].')
    assert 'restoring the MLP outputs at blocks 3-6 (a window of 4 around block 5) of 18, position 4 ("France", the ' \
           'last subject token)' in text
    assert "p rises by 0.049 [0.040, 0.058] to 0.050 [E1]" in text and "the last subject token" in text
    assert _finding().uncertainty().level == "low"
    weak = _finding(clean=0.01, corrupted=0.005)
    assert "hardly changes the answer" in weak.sentences("E1") and weak.uncertainty().level == "high"
