"""talkscope.agent: routing, session state, composing answers, front ends."""

from __future__ import annotations

from typing import Any


def langchain_tools(model: Any = "default") -> list[Any]:
    """The tool catalog as LangChain StructuredTools (see `talkscope.agent.llm_router`)."""
    from talkscope.agent.llm_router import langchain_tools as export

    return export(model)
