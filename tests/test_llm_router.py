"""The LangChain export and the optional LLM router, driven by LangChain's fake chat model."""

from __future__ import annotations

import json

import pytest
from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage

from talkscope.agent import langchain_tools
from talkscope.agent.core import Agent
from talkscope.agent.llm_router import LLMRouter
from talkscope.tools.base import list_tools


class ToolCallingFake(FakeMessagesListChatModel):
    """LangChain's fake chat model replaying scripted messages; binding tools records them."""

    bound: list = []

    def bind_tools(self, tools, **kwargs):
        self.bound = list(tools)
        return self


@pytest.mark.slow
def test_export_covers_the_catalog_and_runs_a_tool(ctx):
    tools = {t.name: t for t in langchain_tools(ctx)}
    assert set(tools) == {t.name for t in list_tools()}
    assert set(tools["attribution"].args) == {"prompt", "target", "method", "contrast"}
    out = json.loads(tools["generate"].invoke({"prompt": "2 + 2 =", "max_new_tokens": 2}))
    assert out["tool"] == "generate" and out["data"]["tokens"]
    assert "error" in json.loads(tools["attribution"].invoke({"prompt": ""}))


@pytest.mark.slow
def test_llm_router_turns_tool_calls_into_calls_and_drives_the_agent(ctx):
    fake = ToolCallingFake(responses=[
        AIMessage(content="", tool_calls=[{"name": "generate", "args": {"prompt": "2 + 2 ="}, "id": "1"}]),
        AIMessage(content="Which prompt do you mean?"),
    ])
    router = LLMRouter(fake, ctx)
    assert {t.name for t in fake.bound} == {t.name for t in list_tools()}
    agent = Agent(ctx, router=router)
    reply = agent.ask("What does the model say after 2 + 2 =?")
    assert reply.calls[0].tool == "generate" and reply.calls[0].args == {"prompt": "2 + 2 =", "max_new_tokens": None}
    assert reply.evidence[0].data["tokens"]
    assert agent.ask("Why?").answer == "Which prompt do you mean?"
