"""`generate`: what the model says after a prompt, with each token's probability."""

from __future__ import annotations

from talkscope.tools.base import Arg, Tool, ToolContext, ToolResult, Uncertainty
from talkscope.tools.errors import TalkscopeError
from talkscope.tools.generation import continue_prompts

MAX_NEW_TOKENS = 256


class GenerateTool(Tool):
    name = "generate"
    description = "What the model says after a prompt (greedy), with each token's probability and entropy."
    inputs = {
        "prompt": Arg("str", "the text the model reads", required=True),
        "max_new_tokens": Arg("int", "how many tokens to generate at most", default=12),
    }
    examples = (
        'What does the model say after "The capital of France is"?',
        'Complete "Once upon a time"',
    )

    def run(self, ctx: ToolContext, prompt: str, max_new_tokens: int) -> ToolResult:
        if not isinstance(max_new_tokens, int) or not 1 <= max_new_tokens <= MAX_NEW_TOKENS:
            raise TalkscopeError(f"max_new_tokens must be a whole number from 1 to {MAX_NEW_TOKENS}")
        c = continue_prompts(ctx.model, [prompt], max_new_tokens)[0]
        if not c.ids:
            summary = f"The model ends the text right after {prompt!r} (it emits end-of-sequence first)."
            unc = Uncertainty.from_score(0.0, "the model stopped at once")
            return ToolResult(self.name, {}, {"text": "", "tokens": [], "probs": [], "entropy_bits": []},
                              summary, unc)
        p1, h1 = c.probs[0], c.entropies[0]
        summary = (
            f"After {prompt!r} the model (greedy) continues with {c.text!r}; its first token "
            f"{c.tokens[0]!r} has probability {p1:.2f} (entropy {h1:.1f} bits)."
        )
        unc = Uncertainty.from_score(
            1.0 - p1, f"first-token probability {p1:.2f}, mean entropy {sum(c.entropies) / len(c.ids):.1f} bits"
        )
        data = {"text": c.text, "tokens": c.tokens, "probs": [round(p, 6) for p in c.probs],
                "entropy_bits": [round(h, 4) for h in c.entropies]}
        return ToolResult(self.name, {}, data, summary, unc)
