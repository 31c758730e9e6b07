"""The agent: a session that routes each question, runs the tools and composes a Reply."""

from __future__ import annotations

from typing import Any

from talkscope.agent.compose import compose
from talkscope.agent.reply import Reply
from talkscope.agent.session import Route, Router, Session, check_question
from talkscope.tools.base import ToolContext, ToolResult, get_tool
from talkscope.tools.engine.errors import TalkscopeError

MAX_SUGGESTIONS = 3


class Agent:
    """Answers questions about a model, remembering the conversation for follow-ups."""

    def __init__(self, ctx: ToolContext, router: Router | None = None) -> None:
        """`router`: the default router, or anything with its `route`/`suggestions` (e.g. an LLMRouter)."""
        if router is None:
            from talkscope.agent.router import Router as DefaultRouter

            router = DefaultRouter()
        self.ctx = ctx
        self.router = router
        self.session = Session.about(ctx.table_state, ctx.text_state)

    def model_info(self) -> dict[str, Any]:
        if self.ctx.model_loaded:
            return self.ctx.model.describe()
        return {"name": self.ctx.model_spec, "layers": None, "device": None}

    def run_call(self, tool: str, args: dict[str, Any]) -> ToolResult:
        """Run one tool; a user-facing failure becomes evidence instead of an exception."""
        try:
            return get_tool(tool)(self.ctx, args)
        except TalkscopeError as err:
            return ToolResult.failed(tool, args, str(err))

    def ask(self, question: str) -> Reply:
        question = check_question(question)
        route: Route = self.router.route(question, self.session)
        results = [] if route.clarify else [self.run_call(c.tool, c.args) for c in route.calls]
        self.session.record(route)
        offered = [s for c in route.calls for s in self.router.suggestions(c.tool) if s != question.strip()]
        return compose(question, route, results, self.model_info(), list(dict.fromkeys(offered))[:MAX_SUGGESTIONS])
