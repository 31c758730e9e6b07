"""`generate`: what the model says after a prompt, with each token's probability."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from talkscope.tools.base import Arg, Finding, Tool, ToolContext, ToolResult, Uncertainty, words_only
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.generation import continue_prompts

MAX_NEW_TOKENS = 256
TEXT = {
    "answer": "After \"{prompt}\" the model continues with \"{text}\" [{ref}]. Its first token, \"{token}\", has "
              "probability {prob:.2f}.",
    "stopped": "The model ends the text right after \"{prompt}\" [{ref}].",
}


@dataclass
class GenerateFinding(Finding):
    text: str
    tokens: list[str]
    probs: list[float]
    entropy_bits: list[float]
    prompt: str = words_only("")
    raw: tuple[float, float] | None = words_only(None)  # unrounded first-token probability and mean entropy

    def summary(self) -> str:
        if not self.tokens:
            return f"The model ends the text right after {self.prompt!r} (it emits end-of-sequence first)."
        return (f"After {self.prompt!r} the model (greedy) continues with {self.text!r}; its first token "
                f"{self.tokens[0]!r} has probability {self.probs[0]:.2f} (entropy {self.entropy_bits[0]:.1f} bits).")

    def sentences(self, ref: str, cites: Sequence[str] = ()) -> str:
        if not self.tokens:
            return TEXT["stopped"].format(prompt=self.prompt, ref=ref)
        return TEXT["answer"].format(prompt=self.prompt, text=self.text, token=self.tokens[0], prob=self.probs[0],
                                     ref=ref)

    def uncertainty(self) -> Uncertainty:
        if not self.tokens:
            return Uncertainty.from_score(0.0, "the model stopped at once")
        p1, mean_h = self.raw or (self.probs[0], sum(self.entropy_bits) / len(self.tokens))
        return Uncertainty.from_score(1.0 - p1, f"first-token probability {p1:.2f}, mean entropy {mean_h:.1f} bits")


class GenerateTool(Tool):
    name = "generate"
    description = "What the model says after a prompt (greedy), with each token's probability and entropy."
    inputs = {
        "prompt": Arg("string", "the text the model reads", required=True),
        "max_new_tokens": Arg("integer", "how many tokens to generate at most", default=12),
    }
    examples = (
        'What does the model say after "The capital of France is"?',
        'Complete "Once upon a time"',
    )
    follow_ups = {"What does it say?": ()}

    def run(self, ctx: ToolContext, prompt: str, max_new_tokens: int) -> ToolResult:
        if not isinstance(max_new_tokens, int) or not 1 <= max_new_tokens <= MAX_NEW_TOKENS:
            raise TalkscopeError(f"max_new_tokens must be a whole number from 1 to {MAX_NEW_TOKENS}")
        c = continue_prompts(ctx.model, [prompt], max_new_tokens)[0]
        raw = (c.probs[0], sum(c.entropies) / len(c.ids)) if c.ids else None
        return self.result(GenerateFinding(c.text if c.ids else "", c.tokens, [round(p, 6) for p in c.probs],
                                           [round(h, 4) for h in c.entropies], prompt=prompt, raw=raw))
