"""The `sources` tool and its citations, on the real default model and a real index of the demo corpus."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli

from talkscope.retrieval.ingest import demo_corpus, index_paths
from talkscope.retrieval.search import short_source
from talkscope.tools.base import ToolContext, get_tool
from talkscope.tools.sources import RELEVANCE_FLOOR, verdict


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("sources-index")
    index_paths(root, [demo_corpus()], show_progress=False)
    return root


def test_verdicts_of_the_lexical_check():
    prompt = "The chemical symbol for gold is"
    assert verdict("Au.", prompt, "Gold is a chemical element with the symbol Au.") == "supports"
    assert verdict("Ag.", prompt, "Gold is a chemical element with the symbol Au.") == "related"
    assert verdict("visible from the Moon", "The Great Wall of China is",
                   "The Great Wall of China is not visible from the Moon with the naked eye.") == "contradicts"
    assert verdict("Au.", prompt, "Iron has the symbol Fe. Au is also a word.") == "related"  # no subject


@pytest.mark.slow
def test_query_needs_no_model_and_weak_matches_are_not_cited(demo_dir, tmp_path):
    ctx = ToolContext(index_dir=demo_dir, out_dir=tmp_path)
    result = get_tool("sources")(ctx, {"query": "the Eiffel Tower"})
    assert not ctx.model_loaded
    assert short_source(result.data["passages"][0]["source"]) == "demo/geography/paris.md"
    assert result.data["passages"][0]["relevance"] >= RELEVANCE_FLOOR
    weak = get_tool("sources")(ctx, {"query": "how does a transformer attend to its keys"})
    assert weak.data["cited"] == 0 and "No good source found" in weak.summary
    assert weak.uncertainty.level == "high"


@pytest.mark.slow
def test_prompt_checks_the_models_answer(ctx, demo_dir):
    ctx.index_dir = demo_dir
    result = get_tool("sources")(ctx, {"prompt": "The chemical symbol for gold is"})
    top = result.data["passages"][0]
    assert result.data["answer"] == "Au."  # the model's greedy answer, to the end of the sentence
    assert (short_source(top["source"]), top["verdict"]) == ("demo/science/gold.md", "supports")


@pytest.mark.slow
def test_empty_call_is_refused(demo_dir, tmp_path):
    with pytest.raises(Exception, match="needs a 'query'"):
        get_tool("sources")(ToolContext(index_dir=demo_dir, out_dir=tmp_path), {})


@pytest.mark.slow
def test_ask_cites_the_france_documents_from_the_default_index(tmp_path):
    res = run_cli("ask", 'Which documents support the answer to "The capital of France is"?', "--json",
                  "--out", str(tmp_path))
    assert res.returncode == 0, res.stderr
    reply = json.loads(res.stdout)
    assert reply["calls"][0]["tool"] == "sources"
    cited = [s["source"] for s in reply["sources"]]
    assert {"demo/geography/france.md", "demo/geography/paris.md"} <= set(cited[:3])
    assert "[S1]" in reply["answer"] and "[E1]" in reply["answer"]


def test_wording_quotes_the_best_sentence_and_cites_each_passage():
    from samples import sources

    f = sources()
    assert [c.source for c in f.citable()] == ["/docs/france.md", "/docs/cities.csv row 3"]
    text = f.sentences("E1", ["S4", "S5"])
    assert text.startswith('The model answers "The capital of France is" with "Paris" [E1]. /docs/france.md states '
                           'the answer ("Its capital is Paris.", relevance 0.71) [S4].')
    assert "is related but does not state the answer" in text and text.endswith("not from an entailment model.")
    f.answer, f.prompt, f.query = None, None, "Lyon"
    assert f.sentences("E1", ["S1"]).startswith('For "Lyon", the closest passages in the 54 indexed chunks are these')
    assert f.uncertainty().basis == "top retrieval relevance 0.71 (cosine), 2 passage(s) above 0.35"
