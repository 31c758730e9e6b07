"""Conversation state and the routing contract: a `Call`, a `Route` (what a router makes of one turn),
the `Router` protocol any router meets, and the `Session` that remembers the calls for follow-ups."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Call:
    """One tool call with every argument of the tool's schema (None where defaulted)."""

    tool: str
    args: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"tool": self.tool, "args": self.args}


@dataclass
class Route:
    """The calls one turn asks for, the router's confidence, and a question back when it cannot run them."""

    calls: list[Call]
    confidence: float
    clarify: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"calls": [c.to_json() for c in self.calls], "confidence": round(self.confidence, 4),
                "clarify": self.clarify}


class Router(Protocol):
    """What the agent needs of a router (the default one, an LLM router, your own)."""

    def route(self, turn: str, session: Session | None = None) -> Route: ...

    def suggestions(self, tool: str) -> list[str]: ...


MAX_CALLS = 32  # follow-ups read back a few turns; a long chat keeps these and each tool's newest call


@dataclass
class Session:
    """The calls made so far in one conversation, newest last (bounded: see `remember`)."""

    calls: list[Call] = field(default_factory=list)
    pending: str | None = None  # the tool of an unanswered clarifying question
    table: Any = None  # the loaded table's Schema (`--data`): table questions are routed only with one
    subset: str | None = None  # the table rows the conversation is about (a condition; None: all) ...
    row: int | None = None  # ... and the row it last named
    texts: Any = None  # the loaded text dataset (`TextData`): text-dataset questions are routed only with one

    @classmethod
    def about(cls, table: Any = None, texts: Any = None) -> Session:
        """A session about a loaded table or text dataset (their states, as on a `ToolContext`), or neither."""
        return cls(table=table.table.schema if table is not None else None,
                   texts=texts.data if texts is not None else None)

    def remember(self, calls: list[Call]) -> None:
        """Keep the newest `MAX_CALLS` calls and the newest call of every tool, so a 300-turn chat holds what
        follow-ups read ("same for occlusion", "what about layer 9?") and nothing that grows with its length."""
        self.calls.extend(calls)
        for call in calls:
            self._focus(call)
        if len(self.calls) > MAX_CALLS:
            newest = {c.tool: i for i, c in enumerate(self.calls)}
            start = len(self.calls) - MAX_CALLS
            self.calls = [c for i, c in enumerate(self.calls) if i >= start or newest[c.tool] == i]

    def _focus(self, call: Call) -> None:
        """A table call moves the conversation's subset (a call on many rows) or its row (a call on one row)."""
        if "row" in call.args and call.args["row"] is not None:
            self.row = call.args["row"]
        elif "filter" in call.args:
            self.subset = call.args["filter"]

    def record(self, route: Route) -> None:
        """Remember a routed turn's calls, unless the router asked back instead of running them."""
        if not route.clarify:
            self.remember(route.calls)

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
        self.subset = self.row = None

    def fork(self) -> Session:
        """A scratch copy (the parts of a turn are routed on one before the turn is recorded)."""
        return Session(list(self.calls), None, self.table, self.subset, self.row, self.texts)


def check_question(question: str, example: str = "'What can you do?'") -> str:
    """The question as asked; an empty one is a user error that says what to ask instead."""
    from talkscope.tools.engine.errors import TalkscopeError

    if not question or not question.strip():
        raise TalkscopeError(f"the question is empty: ask something, e.g. {example}")
    return question
