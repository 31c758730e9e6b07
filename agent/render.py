"""Render Replies and tool results for people (rich). Front ends only render; they compute nothing."""

from __future__ import annotations

import json

from rich.console import Console
from rich.markup import escape

from talkscope.agent.reply import Reply
from talkscope.tools.base import ToolResult


def render_reply(console: Console, reply: Reply) -> None:
    console.print(f"[bold cyan]talkscope>[/] {escape(reply.answer)}")
    console.print(f"[bold]Uncertainty:[/] {escape(reply.uncertainty_line())}")
    for e in reply.evidence:
        figure = f" · figure: {e.figure}" if e.figure else ""
        console.print(f"  [dim][{e.id}][/] {e.tool} · {escape(e.summary)}{escape(figure)}")
    for s in reply.sources:
        console.print(f"  [dim][{s.id}][/] {escape(s.source)} #{s.chunk} · \"{escape(s.text[:120])}\"")
    if reply.suggestions:
        console.print("  [dim]Try next:[/] " + " · ".join(f'"{escape(s)}"' for s in reply.suggestions))


def render_result(console: Console, result: ToolResult) -> None:
    console.print(f"[bold cyan]{result.tool}[/] {escape(result.summary)}")
    u = result.uncertainty
    console.print(f"[bold]Uncertainty:[/] {u.level} — {escape(u.basis)}")
    if result.figure:
        console.print(f"figure: {escape(result.figure)}")
    console.print(escape(json.dumps(result.data, ensure_ascii=False)[:2000]), style="dim")
