"""Turn tool results into words. Every sentence that states a finding cites its evidence ([E1]); the
numbers in the text are the evidence's numbers; the phrasings are data (`data/templates.json`)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from talkscope.agent.citing import source_items, sources_text
from talkscope.agent.phrasing import BUILDERS, templates
from talkscope.agent.reply import EvidenceItem, Reply, SourceItem
from talkscope.agent.router import Route
from talkscope.tools.base import ToolResult, Uncertainty


def failed_result(tool: str, args: dict[str, Any], reason: str) -> ToolResult:
    """A tool failure, kept as evidence so the answer can say why."""
    return ToolResult(tool, args, {"error": reason}, f"{tool} could not run: {reason}",
                      Uncertainty.from_score(1.0, f"{tool} could not run"))


def evidence_of(results: list[ToolResult]) -> list[EvidenceItem]:
    return [
        EvidenceItem(f"E{i}", r.tool, r.summary, r.data, asdict(r.uncertainty), r.figure)
        for i, r in enumerate(results, start=1)
    ]


def sentence(item: EvidenceItem, args: dict[str, Any], cited: dict[str, list[SourceItem]]) -> str:
    answers = templates()["answers"]
    key = "error" if "error" in item.data else item.tool
    if key == "sources":
        return sources_text(item, cited[item.id])
    if key == "generate" and not item.data.get("tokens"):
        key = "generate_empty"
    if key in BUILDERS:
        return BUILDERS[key](item)
    if key not in answers:
        return f"{item.summary} [{item.id}]"
    return answers[key].format(id=item.id, tool=item.tool, args=args, data=item.data)


def overall_uncertainty(route: Route, evidence: list[EvidenceItem]) -> dict[str, Any]:
    """The weakest link among the router's confidence and each piece of evidence, in words."""
    router_basis = templates()["router_basis"].format(confidence=route.confidence)
    links = [(1.0 - route.confidence, router_basis)]
    links += [(e.uncertainty["score"], f"{e.id} ({e.tool}): {e.uncertainty['basis']}") for e in evidence]
    score, basis = max(links, key=lambda x: x[0])
    return asdict(Uncertainty.from_score(score, f"weakest link: {basis}"))


def compose(question: str, route: Route, results: list[ToolResult], model: dict[str, Any],
            suggestions: list[str]) -> Reply:
    if route.clarify:
        unc = asdict(Uncertainty.from_score(1.0 - route.confidence, "I need more before I can run anything"))
        return Reply(question, route.clarify, route.calls, [], [], unc, model, suggestions)
    evidence = evidence_of(results)
    cited = source_items(evidence)
    text = " ".join(sentence(e, r.args, cited) for e, r in zip(evidence, results))
    sources = [s for items in cited.values() for s in items]
    return Reply(question, text, route.calls, evidence, sources, overall_uncertainty(route, evidence), model,
                 suggestions)


def uncertainty_line(reply: Reply) -> str:
    return templates()["uncertainty"].format(**reply.uncertainty)
