"""`help`: what talkscope can do, with example questions for each tool."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from talkscope.tools.base import Finding, Tool, ToolContext, ToolResult, Uncertainty, list_tools


@dataclass
class HelpFinding(Finding):
    tools: list[dict[str, Any]]  # {name, description, examples}
    text: str

    def summary(self) -> str:
        return f"{len(self.tools)} tools are available."

    def sentences(self, ref: str, cites: Sequence[str] = ()) -> str:
        return f"{self.text} [{ref}]"

    def uncertainty(self) -> Uncertainty:
        return Uncertainty.from_score(0.0, "a fixed list")


class HelpTool(Tool):
    name = "help"
    description = "What talkscope can do, with example questions for each tool."
    inputs = {}
    examples = ("What can you do?",)
    needs_model = False

    def run(self, ctx: ToolContext) -> ToolResult:
        tools = [{"name": t.name, "description": t.description, "examples": list(t.examples), "domain": t.domain}
                 for t in list_tools() if t.name != self.name]
        line = "- {name}: {description} e.g. {example!r}"
        listed = {d: [line.format(example=t["examples"][0], **t) for t in tools if t["domain"] == d and t["examples"]]
                  for d in ("model", "table", "texts")}
        text = "I can run these tools on the model:\n" + "\n".join(listed["model"])
        for domain, state, what, how in (
                ("table", ctx.table_state, "a table and a model of it", "--data FILE"),
                ("texts", ctx.text_state, "a text dataset", "--data FILE --text COLUMN")):
            names = ", ".join(sorted(t["name"] for t in tools if t["domain"] == domain))
            if state is not None:
                text += f"\nAnd on the loaded {what}:\n" + "\n".join(listed[domain])
            elif names:
                text += f"\nWith {what} loaded ({how}, or /data in the chat) I can also run: {names}."
        return self.result(HelpFinding([{k: v for k, v in t.items() if k != "domain"} for t in tools], text))
