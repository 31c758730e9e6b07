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
        tools = [{"name": t.name, "description": t.description, "examples": list(t.examples)}
                 for t in list_tools() if t.name != self.name]
        table = {t.name for t in list_tools() if t.domain == "table"}
        lines = [f"- {t['name']}: {t['description']} e.g. {t['examples'][0]!r}" for t in tools
                 if t["examples"] and t["name"] not in table]
        text = "I can run these tools on the model:\n" + "\n".join(lines)
        if ctx.table_state is not None:
            rows = [f"- {t['name']}: {t['description']} e.g. {t['examples'][0]!r}" for t in tools
                    if t["name"] in table and t["examples"]]
            text += f"\nAnd on the table {ctx.table.table.schema.name}:\n" + "\n".join(rows)
        else:
            text += (f"\nWith a table loaded (--data FILE, or /data FILE in the chat) I can also answer about it "
                     f"and a model of it: {', '.join(sorted(table))}.")
        return self.result(HelpFinding(tools, text))
