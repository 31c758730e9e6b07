"""Which argument each quoted span of a turn fills: by its role, read from the words that frame it, not by its
position.

A tool's slot patterns (route data) that contain `QUOTED` are cues: a match puts its group `v` on a quoted
span and says "this span may be that argument"; earlier patterns are stronger cues than later ones, and a
bare `(?P<v>QUOTED)` is the weakest. Every way of giving the turn's spans distinct roles is then scored (a
turn has a handful of spans and a tool at most four quoted arguments, so all of them are tried) with cues
plus three priors that hold for every tool:

- a `token` (or a tracing `subject`) names text inside the prompt: it must be found in the prompt (the turn's own,
  or the previous call's in a follow-up);
- the prompt is usually the longest quoted text;
- in a follow-up that keeps a previous prompt, a short span is more likely a new target or token than a new
  prompt ('and for "Kyoto"?' after an attribution of "The capital of Japan is").

Plain patterns (no `QUOTED`) are read on the turn with its quoted text blanked out, so the word "capital"
inside "The capital of France is" is never read as a relation.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from talkscope.agent.readers import BLANK
from talkscope.agent.routes import QUOTED, Slot

QUOTED_RE = re.compile(QUOTED)
BARE = 0.1  # the cue of a bare (?P<v>QUOTED): any quoted text at all
LONGEST = 0.8  # the prompt is usually the longest quoted text
INSIDE, OUTSIDE = 1.5, -2.0  # a token found / not found in the prompt
SHORT_NEW_PROMPT = -1.5  # a follow-up's short span as a new prompt
UNUSED = -0.5  # a quoted span that fills no argument
UNCUED = -0.6  # a span in a role no pattern of it reads (worse than leaving it unused)
PROMPT_NEEDED = 0.3  # with no prompt in the conversation, a span is more likely the prompt the call needs
MAX_SPANS = 4  # only the first spans get roles (beyond, a pasted list rather than arguments)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str  # without its quotes

    @property
    def bounds(self) -> tuple[int, int]:
        return self.start, self.end


def quoted_spans(turn: str) -> list[Span]:
    return [Span(m.start(), m.end(), m.group()[1:-1]) for m in QUOTED_RE.finditer(turn)]


def blank_quotes(turn: str) -> str:
    """The turn with each quoted span replaced by a filler of the same length (positions are kept)."""
    return QUOTED_RE.sub(lambda m: BLANK * len(m.group()), turn)


def cues(slots: dict[str, Slot], turn: str, spans: list[Span]) -> dict[tuple[str, int], float]:
    """(slot, span index) -> the strongest cue any of the slot's quoted patterns gives that span."""
    index = {s.bounds: i for i, s in enumerate(spans)}
    found: dict[tuple[str, int], float] = {}
    for name, slot in slots.items():
        quoted = slot.quoted_patterns
        for rank, pattern in enumerate(quoted):
            weight = BARE if pattern.pattern == f"(?P<v>{QUOTED})" else 1.0 - 0.5 * rank / max(len(quoted), 1)
            for m in pattern.finditer(turn):
                i = index.get(m.span("v"))
                if i is not None:
                    found[(name, i)] = max(found.get((name, i), 0.0), weight)
    return found


def assign(slots: dict[str, Slot], turn: str, context_prompt: str | None = None) -> dict[str, str]:
    """slot -> the text of the quoted span that fills it, for the best-scoring assignment of roles."""
    spans = quoted_spans(turn)[:MAX_SPANS]
    roles = [name for name, slot in slots.items() if slot.quoted_patterns]
    if not spans or not roles:
        return {}
    found = cues(slots, turn, spans)
    longest = max(range(len(spans)), key=lambda i: len(spans[i].text))
    best: tuple[float, dict[str, int]] = (float("-inf"), {})
    for choice in itertools.product([*roles, None], repeat=len(spans)):  # None: the span fills nothing
        taken = [role for role in choice if role is not None]
        if len(taken) != len(set(taken)):
            continue
        chosen = {role: i for i, role in enumerate(choice) if role is not None}
        score = _score(chosen, spans, found, longest, len(spans) > 1, context_prompt)
        if score > best[0]:
            best = (score, chosen)
    return {role: spans[i].text for role, i in best[1].items()}


def _score(chosen: dict[str, int], spans: list[Span], found: dict[tuple[str, int], float], longest: int,
           several: bool, context_prompt: str | None) -> float:
    score = UNUSED * (len(spans) - len(chosen))
    for role, i in chosen.items():
        cue = found.get((role, i))
        score += cue if cue is not None else UNCUED
    prompt_i = chosen.get("prompt")
    if prompt_i is not None:
        score += LONGEST if several and prompt_i == longest else 0.0
        score += PROMPT_NEEDED if not context_prompt else 0.0
        if context_prompt and len(spans[prompt_i].text) < len(context_prompt) / 2:
            score += SHORT_NEW_PROMPT if found.get(("prompt", prompt_i), 0) < 1.0 else 0.0
    for part in ("token", "subject"):  # names of a part of the prompt
        if part in chosen:
            home = spans[prompt_i].text if prompt_i is not None else context_prompt
            if home:
                inside = spans[chosen[part]].text.strip().lower() in home.lower()
                score += INSIDE if inside else OUTSIDE
    return score

