"""Turn a turn of conversation into tool calls, offline and in milliseconds.

Intent: the turn (with quoted text masked, so the prompt's words do not sway it) is embedded with the
packaged MiniLM and compared with exemplar utterances of each tool; the nearest tool wins, and the
margin over the runner-up gives the confidence. Arguments: each tool's slot rules (regular
expressions kept as data in `data/routes/<tool>.json`) read quoted text, numbers and names. A tool
adds routing by adding one such file; only registered tools are routed to.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import numpy as np
from talkscope.agent.session import Call, Session
from talkscope.tools.base import Tool, list_tools

# A quoted span: "...", “...”, or '...' when the quotes are not apostrophes inside words.
QUOTED = r"(?:\"[^\"]+\"|“[^”]+”|(?<!\w)'[^']+'(?!\w))"
MIN_CONFIDENCE = 0.45  # below this the router asks instead of guessing (tuned on the gold set)


@dataclass
class Route:
    calls: list[Call]
    confidence: float
    clarify: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"calls": [c.to_json() for c in self.calls], "confidence": round(self.confidence, 4),
                "clarify": self.clarify}


@dataclass(frozen=True)
class RouteSpec:
    tool: type[Tool]
    exemplars: tuple[str, ...]
    slots: dict[str, tuple[re.Pattern[str], ...]]
    suggest: tuple[str, ...]


def load_specs() -> dict[str, RouteSpec]:
    """Routing data of every registered tool that ships a routes file."""
    tools = {t.name: t for t in list_tools()}
    specs = {}
    for path in sorted(files("talkscope.agent").joinpath("data/routes").iterdir()):
        raw = json.loads(path.read_text())
        if raw["tool"] not in tools:
            continue
        slots = {
            arg: tuple(re.compile(p.replace("QUOTED", QUOTED), re.IGNORECASE) for p in pats)
            for arg, pats in raw.get("slots", {}).items()
        }
        specs[raw["tool"]] = RouteSpec(tools[raw["tool"]], tuple(raw["exemplars"]), slots,
                                       tuple(raw.get("suggest", ())))
    return specs


def unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 else text


def mask_quotes(turn: str) -> str:
    return re.sub(QUOTED, "X", turn)


class Router:
    """The default router: sentence-embedding intent + slot grammar + session state."""

    def __init__(self) -> None:
        from talkscope.retrieval.embed import load_embedder

        self.specs = load_specs()
        self._embedder = load_embedder()
        self._labels: list[str] = []
        texts: list[str] = []
        for name, spec in self.specs.items():
            texts.extend(spec.exemplars)
            self._labels.extend([name] * len(spec.exemplars))
        self._matrix = self._embed(texts)  # [n_exemplars, 384], unit rows

    def _embed(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._embedder.encode(texts, normalize_embeddings=True, show_progress_bar=False))

    def intent(self, turn: str) -> tuple[str, float]:
        """(tool, confidence): nearest exemplar's tool; confidence from its similarity and margin."""
        sims = self._matrix @ self._embed([mask_quotes(turn)])[0]
        best: dict[str, float] = {}
        for label, s in zip(self._labels, sims):
            best[label] = max(best.get(label, -1.0), float(s))
        ranked = sorted(best.items(), key=lambda kv: -kv[1])
        top, s1 = ranked[0]
        s2 = ranked[1][1] if len(ranked) > 1 else 0.0
        confidence = float(np.clip(s1, 0, 1) * np.clip(0.5 + 4 * (s1 - s2), 0, 1))
        return top, confidence

    def fill(self, tool: str, turn: str, session: Session) -> tuple[dict[str, Any], str | None]:
        """Arguments from the turn's slots, then from the session; a question if a required one is missing."""
        spec = self.specs[tool]
        args: dict[str, Any] = {name: None for name in spec.tool.inputs}
        for name, patterns in spec.slots.items():
            for pattern in patterns:
                m = pattern.search(turn)
                if m:
                    args[name] = _convert(m.group("v"), spec.tool.inputs[name].type)
                    break
        for name, arg in spec.tool.inputs.items():
            if arg.required and args[name] is None:
                args[name] = session.last_value(name)
                if args[name] is None:
                    return args, f'Which {name} should I use? Put it in quotes, e.g. "The capital of France is".'
        return args, None

    def route(self, turn: str, session: Session | None = None) -> Route:
        session = session or Session()
        tool, confidence = self.intent(turn)
        args, question = self.fill(tool, turn, session)
        if confidence < MIN_CONFIDENCE:
            names = ", ".join(self.specs)
            question = f"I am not sure what you want to know. I can run: {names}. Which one, and on what prompt?"
        return Route([Call(tool, args)], confidence, question)

    def suggestions(self, tool: str) -> list[str]:
        return list(self.specs[tool].suggest) if tool in self.specs else []


def _convert(value: str, kind: str) -> Any:
    value = value.strip()
    if value[:1] in "\"“'":
        value = unquote(value)
    if kind.startswith("int"):
        return int(value)
    return value
