"""A Reply as Slack messages: the answer in mrkdwn with its [E#]/[S#] markers, the uncertainty line, the
evidence and sources as a compact list, escaped for Slack and split within its limits. Nothing here computes;
it renders what the Reply holds (figures are uploaded by the app, by file name)."""

from __future__ import annotations

import re
from pathlib import Path

from talkscope.agent.reply import Reply

MAX_CHARS = 3500  # below Slack's 4,000-character guidance for one message's text
TOKEN = re.compile(r"\bx(?:ox[abprs]|app)-[\w-]+")
ABSOLUTE_PATH = re.compile(r"(?<![\w.])/(?:[\w.@+-]+/)+([\w.@+-]+)")


def escape(text: str) -> str:
    """Slack's three control characters (&, <, >) as entities, so user and model text cannot ping or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def redact(text: str) -> str:
    """No token and no server path in a Slack message: tokens are masked, absolute paths become file names."""
    return ABSOLUTE_PATH.sub(lambda m: m.group(1), TOKEN.sub("[token]", text))


def clean(text: str) -> str:
    return escape(redact(text))


def reply_text(reply: Reply) -> str:
    lines = [clean(reply.answer), f"*Uncertainty:* {clean(reply.uncertainty_line())}"]
    for e in reply.evidence:
        figure = f" · figure `{Path(e.figure).name}`" if e.figure else ""
        lines.append(f"• `[{e.id}]` {e.tool} · {clean(e.summary)}{figure}")
    for s in reply.sources:
        lines.append(f"• `[{s.id}]` {clean(s.source)} #{s.chunk} · “{clean(s.text[:120])}”")
    if reply.suggestions:
        lines.append("_Try next:_ " + " · ".join(f"“{clean(s)}”" for s in reply.suggestions))
    return "\n".join(lines)


def split(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Pieces of at most `limit` characters, cut at line ends, then at spaces, where possible."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n ")
    return pieces + ([text] if text or not pieces else [])
