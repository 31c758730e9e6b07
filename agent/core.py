"""The agent: a session that routes each question, runs the tools and composes a Reply."""

from __future__ import annotations

from typing import Any

from talkscope.agent.compose import compose, failed_result
from talkscope.agent.reply import Reply
from talkscope.agent.router import Route, Router
from talkscope.agent.session import Session
from talkscope.tools.base import ToolContext, ToolResult, get_tool
from talkscope.tools.errors import TalkscopeError


class Agent:
    """Answers questions about a model, remembering the conversation for follow-ups."""

    def __init__(self, ctx: ToolContext, router: Router | Any | None = None) -> None:
        """`router`: the default Router, or anything with its `route`/`suggestions` (e.g. an LLMRouter)."""
        self.ctx = ctx
        self.router = router or Router()
        self.session = Session()

    def model_info(self) -> dict[str, Any]:
        if self.ctx.model_loaded:
            return self.ctx.model.describe()
        return {"name": self.ctx.model_spec, "layers": None, "device": None}

    def run_call(self, tool: str, args: dict[str, Any]) -> ToolResult:
        """Run one tool; a user-facing failure becomes evidence instead of an exception."""
        try:
            return get_tool(tool)(self.ctx, args)
        except TalkscopeError as err:
            return failed_result(tool, args, str(err))

    def ask(self, question: str) -> Reply:
        if not question or not question.strip():
            raise TalkscopeError("the question is empty: ask something, e.g. 'What can you do?'")
        route: Route = self.router.route(question, self.session)
        results = [] if route.clarify else [self.run_call(c.tool, c.args) for c in route.calls]
        if not route.clarify:
            self.session.remember(route.calls)
        offered = [s for c in route.calls for s in self.router.suggestions(c.tool) if s != question.strip()]
        suggestions = list(dict.fromkeys(offered))[:3]
        return compose(question, route, results, self.model_info(), suggestions)
