"""The Reply: what every front end renders, and the JSON contract of `talkscope ask --json`
(docs/json.md)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from talkscope.agent.session import Call


@dataclass
class EvidenceItem:
    id: str  # "E1", "E2", ... cited in the answer as [E1]
    tool: str
    summary: str
    data: dict[str, Any]
    uncertainty: dict[str, Any]  # {"level", "score", "basis"}; score 0 = certain, 1 = no idea
    figure: str | None = None
    ok: bool = True  # False: the tool could not run and `data.error` says why


@dataclass
class SourceItem:
    id: str  # "S1", ... cited as [S1]
    source: str
    chunk: int
    text: str
    relevance: float


@dataclass
class Reply:
    question: str
    answer: str
    calls: list[Call]
    evidence: list[EvidenceItem]
    sources: list[SourceItem]
    uncertainty: dict[str, Any]
    model: dict[str, Any]
    suggestions: list[str] = field(default_factory=list)  # shown by front ends, not part of the JSON

    @property
    def failed_calls(self) -> list[str]:
        """The tools that could not run (their evidence holds only `error`); front ends set exit codes by it."""
        return [e.tool for e in self.evidence if not e.ok]

    def uncertainty_line(self) -> str:
        """'medium — weakest link: ...'"""
        return f"{self.uncertainty['level']} — {self.uncertainty['basis']}"

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "calls": [c.to_json() for c in self.calls],
            "evidence": [asdict(e) for e in self.evidence],
            "sources": [asdict(s) for s in self.sources],
            "uncertainty": self.uncertainty,
            "model": self.model,
        }
