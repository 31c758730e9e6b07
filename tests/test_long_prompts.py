"""A 2,000-token prompt: every tool that takes a prompt answers it, and occlusion refuses it with its limit and
what to use instead, before any work. Integrated gradients also answers at this length but takes about 12
minutes on 2 CPU cores (`benchmarks/long_prompts.py`, figures in benchmarks/README.md), so it is left out here
to keep the suite short."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from talkscope.tools.base import MAX_PROMPT_TOKENS, get_tool
from talkscope.tools.engine.errors import TalkscopeError

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def long_prompt(model):
    from benchmarks.long_prompts import prompt_of

    prompt = prompt_of(SimpleNamespace(model=model), 2000)  # the benchmark's prompt; it reads only ctx.model
    assert 1990 <= len(model.encode(prompt)) <= 2000
    return prompt


@pytest.mark.parametrize("name, args", [
    ("generate", {"max_new_tokens": 4}),
    ("logit_lens", {}),
    ("patchscope", {"token": "France", "layer": [6]}),
    ("attribution", {"method": "saliency"}),
    ("confidence", {}),
], ids=["generate", "logit_lens", "patchscope", "saliency", "confidence"])
def test_a_2000_token_prompt_is_answered(ctx, long_prompt, name, args):
    result = get_tool(name)(ctx, {"prompt": long_prompt, **args})
    assert result.ok, result.data
    assert result.finding.sentences("E1")


def test_sources_checks_the_answer_to_a_2000_token_prompt(ctx, long_prompt, tmp_path):
    from talkscope.retrieval.ingest import demo_corpus, index_paths

    index_paths(tmp_path / "index", [demo_corpus()], show_progress=False)
    ctx.index_dir = tmp_path / "index"
    result = get_tool("sources")(ctx, {"prompt": long_prompt})
    assert result.ok and result.finding.sentences("E1", ["S1"])


def test_occlusion_refuses_a_2000_token_prompt_with_its_limit_and_the_alternatives(ctx, long_prompt, monkeypatch):
    def no_forward(*_args, **_kwargs):
        raise AssertionError("a forward ran before the refusal")

    monkeypatch.setattr(ctx.model, "next_token_logits", no_forward)  # the refusal comes before any forward
    with pytest.raises(TalkscopeError, match=r"up to 1,024 tokens: use integrated_gradients or saliency"):
        get_tool("attribution")(ctx, {"prompt": long_prompt, "method": "occlusion"})


def test_a_prompt_over_the_limit_is_refused_before_any_work(ctx, model):
    prompt = "word " * (MAX_PROMPT_TOKENS + 10)
    with pytest.raises(TalkscopeError, match=f"{MAX_PROMPT_TOKENS:,}"):
        get_tool("logit_lens")(ctx, {"prompt": prompt})
