"""`help`: what talkscope can do, with example questions for each tool."""

from __future__ import annotations

from talkscope.tools.base import Tool, ToolContext, ToolResult, Uncertainty, list_tools


class HelpTool(Tool):
    name = "help"
    description = "What talkscope can do, with example questions for each tool."
    inputs = {}
    examples = ("What can you do?",)
    needs_model = False

    def run(self, ctx: ToolContext) -> ToolResult:
        tools = [
            {"name": t.name, "description": t.description, "examples": list(t.examples)}
            for t in list_tools() if t.name != self.name
        ]
        lines = [f"- {t['name']}: {t['description']} e.g. {t['examples'][0]!r}" for t in tools if t["examples"]]
        text = "I can run these tools on the model:\n" + "\n".join(lines)
        return ToolResult(self.name, {}, {"tools": tools, "text": text},
                          f"{len(tools)} tools are available.", Uncertainty.from_score(0.0, "a fixed list"))
