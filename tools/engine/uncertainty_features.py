"""What the `confidence` tool measures about an answer: its probability, its token entropies, and how often
k samples agree with it (normalised exact match), with the discrete semantic entropy over the sampled
answers' clusters (Kuhn et al. 2023, with clusters by normalised exact match rather than NLI)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from talkscope.tools.engine.generation import Continuation, continue_prompts, first_sentence
from talkscope.tools.engine.model import ModelAdapter

ANSWER_TOKENS = 12  # bounded answer: up to the end of its first sentence or line within this many tokens
SAMPLE_TOKENS = 6  # samples are only compared by their key (first 4 words of the first clause)
SAMPLES = 10
VERSION = "1"  # bump when a feature's definition changes (cached features are keyed by it)
ARTICLES = {"a", "an", "the"}
STOPS = [".", "\n", "!", "?"]  # a row stops generating once its first sentence or line is complete
FEATURES = ("log_answer_prob", "first_token_prob", "agreement", "semantic_entropy", "mean_entropy")
# Features a calibration may use, all computed from one AnswerFeatures (no extra model call); FEATURES are the
# five a calibration file without its own list was fitted on.
EXTRA_FEATURES = ("top_share", "n_clusters", "answer_words", "numeric_answer")


@dataclass(frozen=True)
class AnswerFeatures:
    prompt: str
    answer: str
    answer_prob: float  # length-normalised: geometric mean of the answer tokens' probabilities
    first_token_prob: float
    mean_entropy: float  # bits, over the answer's tokens
    samples: list[str]
    agreement: float  # share of samples with the greedy answer's key
    semantic_entropy: float  # bits, over clusters of sampled answers with the same key

    def vector(self, names: Sequence[str] = FEATURES) -> list[float]:
        values = self.values()
        return [values[n] for n in names]

    def values(self) -> dict[str, float]:
        """Every feature by name (FEATURES and EXTRA_FEATURES)."""
        keys = Counter(answer_key(s) for s in self.samples)
        mine = answer_key(self.answer)
        return {"log_answer_prob": math.log(max(self.answer_prob, 1e-12)), "first_token_prob": self.first_token_prob,
                "agreement": self.agreement, "semantic_entropy": self.semantic_entropy,
                "mean_entropy": self.mean_entropy,
                # share of the samples in their most common cluster (agreement asks about the greedy answer's)
                "top_share": max(keys.values()) / len(self.samples) if self.samples else 0.0,
                "n_clusters": float(len(keys)),
                "answer_words": float(len(mine.split())),  # the key's words (at most 4); 0 for no answer
                "numeric_answer": float(bool(re.match(r"-?\d", mine)))}


def answer_key(text: str) -> str:
    """Normalised answer for matching: first clause, lower case, no punctuation or articles, 4 words."""
    clause = re.split(r"[.,;:!?\n]", text.strip(), maxsplit=1)[0].lower()
    words = [w for w in re.findall(r"[\w'-]+", clause) if w not in ARTICLES]
    return " ".join(words[:4])


def answer_part(c: Continuation) -> tuple[str, int]:
    """The continuation cut at the end of its first sentence, and how many tokens that is (at least one)."""
    text = first_sentence(c.text)
    n, seen = 0, ""
    for tok in c.tokens:
        if len(seen.lstrip("\n")) >= len(text):
            break
        seen += tok
        n += 1
    return text.strip(), max(1, min(n, len(c.tokens)))


def entropy_bits(keys: Sequence[str]) -> float:
    counts = Counter(keys)
    total = sum(counts.values())
    return float(-sum(c / total * math.log2(c / total) for c in counts.values()))


def measure(model: ModelAdapter, prompts: Sequence[str], samples: int = SAMPLES,
            seed: int = 0) -> list[AnswerFeatures]:
    """Greedy answers for all prompts in one batched generate, then `samples` sampled answers per prompt
    (temperature 1.0, full distribution) in one more."""
    greedy = continue_prompts(model, prompts, ANSWER_TOKENS, stop_strings=STOPS)
    torch.manual_seed(seed)
    sampled = continue_prompts(model, prompts, SAMPLE_TOKENS, sample=True, temperature=1.0,
                               num_return_sequences=samples, scores=False,
                               stop_strings=STOPS)
    out = []
    for i, (prompt, g) in enumerate(zip(prompts, greedy)):
        text, n = answer_part(g) if g.ids else ("", 1)
        probs = g.probs[:n] or [1e-12]
        drawn = [first_sentence(s.text).strip() for s in sampled[i * samples:(i + 1) * samples]]
        keys = [answer_key(s) for s in drawn]
        mine = answer_key(text)
        out.append(AnswerFeatures(
            prompt=prompt, answer=text, answer_prob=math.exp(sum(math.log(max(p, 1e-12)) for p in probs) / n),
            first_token_prob=probs[0], mean_entropy=sum(g.entropies[:n] or [0.0]) / n, samples=drawn,
            agreement=sum(k == mine for k in keys) / len(keys), semantic_entropy=entropy_bits(keys)))
    return out


def is_correct(answer: str, accepted: str) -> bool:
    """Whether an accepted answer (alternatives separated by |) appears as whole words in the answer."""
    low = answer.lower()
    return any(re.search(rf"(?<![\w]){re.escape(a.lower())}(?![\w])", low) for a in accepted.split("|"))
