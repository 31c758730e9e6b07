"""The tool catalog for LangChain, and an optional router driven by any chat model that calls tools.

`langchain_tools(model)` exports every registered tool as a LangChain `StructuredTool` (usable on its own
in any chain or agent); each returns the tool's JSON result. `LLMRouter(chat_model)` routes a turn by
letting the chat model (bound to those tools with `bind_tools`) choose calls; it has the default
router's interface, so `Agent(ctx, router=LLMRouter(chat_model))` uses it. Nothing in the default path
imports this module.
"""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.tools import StructuredTool
from pydantic import Field, create_model

from talkscope.agent.session import Call, Route, Session
from talkscope.tools.base import ToolContext, get_tool, list_tools
from talkscope.tools.engine.errors import TalkscopeError

SYSTEM = ("You route questions about a language model to interpretability tools. Call the tools that answer "
          "the question, with the exact prompt text the model should read. If a needed argument is missing, "
          "call no tool and ask one short question instead.")


def _schema(tool_cls: type) -> type:
    fields: dict[str, Any] = {}
    for name, arg in tool_cls.inputs.items():
        fields[name] = (arg.annotation(), Field(default=arg.default, description=arg.description))
    return create_model(f"{tool_cls.name}_args", **fields)


def langchain_tools(model: str | ToolContext = "default") -> list[StructuredTool]:
    """Every registered tool as a LangChain StructuredTool bound to one model (loaded on first use)."""
    ctx = model if isinstance(model, ToolContext) else ToolContext(model_spec=model)

    def runner(name: str) -> Any:
        def run(**kwargs: Any) -> str:
            try:
                return json.dumps(get_tool(name)(ctx, kwargs).to_json(), ensure_ascii=False)
            except TalkscopeError as err:
                return json.dumps({"error": str(err)})
        return run

    return [StructuredTool.from_function(func=runner(t.name), name=t.name, description=t.description,
                                         args_schema=_schema(t)) for t in list_tools()]


class LLMRouter:
    """Routes with a tool-calling chat model. Its confidence is not measured, so it reports 0.5."""

    def __init__(self, chat_model: Any, model: str | ToolContext = "default") -> None:
        self.llm = chat_model.bind_tools(langchain_tools(model))

    def route(self, turn: str, session: Session | None = None) -> Route:
        history = "; ".join(f"{c.tool}({json.dumps(c.args)})" for c in (session.calls if session else [])[-3:])
        msg = self.llm.invoke([SystemMessage(SYSTEM + (f" Earlier calls: {history}" if history else "")),
                               HumanMessage(turn)])
        calls = []
        for tc in getattr(msg, "tool_calls", []) or []:
            try:
                tool = get_tool(tc["name"])
                calls.append(Call(tool.name, {k: tc["args"].get(k) for k in tool.inputs}))
            except TalkscopeError:
                continue
        if not calls:
            return Route([], 0.0, str(msg.content) or "Which prompt should I look at?")
        return Route(calls, 0.5)

    def suggestions(self, tool: str) -> list[str]:
        return []
