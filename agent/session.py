"""Conversation state: what was asked and run so far, so that follow-ups can refer back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Call:
    """One tool call with every argument of the tool's schema (None where defaulted)."""

    tool: str
    args: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"tool": self.tool, "args": self.args}


@dataclass
class Session:
    """The calls made so far in one conversation, newest last."""

    calls: list[Call] = field(default_factory=list)
    pending: str | None = None  # the tool of an unanswered clarifying question

    def remember(self, calls: list[Call]) -> None:
        self.calls.extend(calls)

    def last(self, tool: str | None = None) -> Call | None:
        for call in reversed(self.calls):
            if tool is None or call.tool == tool:
                return call
        return None

    def last_value(self, arg: str) -> Any:
        """The most recent non-null value of an argument, from any tool."""
        for call in reversed(self.calls):
            if call.args.get(arg) is not None:
                return call.args[arg]
        return None

    def reset(self) -> None:
        self.calls.clear()
        self.pending = None
