"""Turn tool results into a Reply. Each result words its own findings (`ToolResult.sentences`, citing its
evidence id); this module numbers the evidence [E1].. and the citable passages [S1].., joins the sentences
and names the weakest link. It knows no tool's data."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from talkscope.agent.reply import EvidenceItem, Reply, SourceItem
from talkscope.agent.session import Route
from talkscope.tools.base import ToolResult, Uncertainty

ROUTER_BASIS = "the question was routed with confidence {confidence:.2f}"
CLARIFY_BASIS = "I need more before I can run anything"


def overall_uncertainty(route: Route, evidence: list[EvidenceItem]) -> dict[str, Any]:
    """The weakest link among the router's confidence and each piece of evidence, in words."""
    links = [(1.0 - route.confidence, ROUTER_BASIS.format(confidence=route.confidence))]
    links += [(e.uncertainty["score"], f"{e.id} ({e.tool}): {e.uncertainty['basis']}") for e in evidence]
    score, basis = max(links, key=lambda x: x[0])
    return asdict(Uncertainty.from_score(score, f"weakest link: {basis}"))


def compose(question: str, route: Route, results: list[ToolResult], model: dict[str, Any],
            suggestions: list[str]) -> Reply:
    if route.clarify:
        unc = asdict(Uncertainty.from_score(1.0 - route.confidence, CLARIFY_BASIS))
        return Reply(question, route.clarify, route.calls, [], [], unc, model, suggestions)
    evidence: list[EvidenceItem] = []
    sources: list[SourceItem] = []
    sentences: list[str] = []
    for i, result in enumerate(results, start=1):
        ref = f"E{i}"
        cites = []
        for c in result.citable():
            cites.append(f"S{len(sources) + 1}")
            sources.append(SourceItem(cites[-1], c.source, c.chunk, c.text, c.relevance))
        evidence.append(EvidenceItem(ref, result.tool, result.summary, result.data, asdict(result.uncertainty),
                                     result.figure, result.ok))
        sentences.append(result.sentences(ref, cites))
    return Reply(question, " ".join(sentences), route.calls, evidence, sources,
                 overall_uncertainty(route, evidence), model, suggestions)
