"""Composing a Reply from tool results: evidence and source numbering, citations, the weakest link."""

from __future__ import annotations

import re

import samples

from talkscope.agent.compose import compose, overall_uncertainty
from talkscope.agent.session import Call, Route
from talkscope.tools.attribution import Agreement
from talkscope.tools.base import ToolResult

MODEL = {"name": "m", "layers": 18, "device": "cpu"}


def reply_for(*results: ToolResult, confidence: float = 0.9):
    route = Route([Call(r.tool, {}) for r in results], confidence)
    return compose("q?", route, list(results), MODEL, ["next?"])


def test_each_result_is_cited_by_its_own_evidence_id_in_order():
    agree = Agreement("occlusion", [], 0.8, True, " France")
    rep = reply_for(samples.result("generate", samples.generate()),
                    samples.result("attribution", samples.attribution(agree)))
    assert [e.id for e in rep.evidence] == ["E1", "E2"]
    assert [e.tool for e in rep.evidence] == ["generate", "attribution"]
    first, second = rep.answer.split(" The score being explained")
    assert set(re.findall(r"\[(E\d)\]", first)) == {"E1"} and set(re.findall(r"\[(E\d)\]", second)) == {"E2"}
    assert rep.evidence[1].data["check"]["spearman"] == 0.8  # the data travels unchanged
    assert rep.evidence[0].summary.startswith("After 'The capital of France is' the model (greedy) continues")


def test_sources_are_numbered_across_the_reply_and_only_relevant_ones_cited():
    rep = reply_for(samples.result("sources", samples.sources(cited=1)), samples.result("sources", samples.sources()))
    assert [s.id for s in rep.sources] == ["S1", "S2", "S3"]
    assert [s.source for s in rep.sources] == ["/docs/france.md", "/docs/france.md", "/docs/cities.csv row 3"]
    assert "[S1]" in rep.answer and "[S3]" in rep.answer and "[S4]" not in rep.answer
    assert rep.sources[0].text == "France is in Europe. Its capital is Paris." and rep.sources[0].relevance == 0.71


def test_no_citable_source_says_so_with_the_best_relevance():
    rep = reply_for(samples.result("sources", samples.sources(cited=0)))
    assert rep.sources == [] and "No good source found" in rep.answer and "0.71" in rep.answer


def test_the_weakest_link_names_its_evidence():
    rep = reply_for(samples.result("generate", samples.generate()), samples.result("probe", samples.probe()))
    assert rep.uncertainty["basis"].startswith("weakest link: E1 (generate): first-token probability 0.19")
    assert rep.uncertainty["level"] == "high" and rep.uncertainty["score"] == 0.81
    low = overall_uncertainty(Route([], 0.3), [])
    assert low["basis"] == "weakest link: the question was routed with confidence 0.30" and low["score"] == 0.7


def test_a_failed_tool_becomes_evidence_and_a_clarify_runs_nothing():
    rep = reply_for(ToolResult.failed("probe", {"concept": "x"}, "no file at x"))
    assert rep.answer == "I could not run probe: no file at x [E1]."
    assert rep.evidence[0].data == {"error": "no file at x"}
    ask = compose("hmm", Route([], 0.2, "Which prompt?"), [], MODEL, [])
    assert ask.answer == "Which prompt?" and ask.evidence == [] and ask.uncertainty["score"] == 0.8
