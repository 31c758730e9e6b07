"""Competence against performance (Hu & Levy 2023; Millière & Rathkopf 2024): what the model's probabilities say
against what it says when asked in words.

- Candidates after a prompt: each candidate's log-probability (direct), its log-probability as the answer to a
  question about the prompt (meta-linguistic, scored the same way), the vocabulary rank of its first token, and
  the first layer at which that token is the logit lens's top reading at the prompt's last position.
- Minimal pairs: direct is "the good sentence has the higher total log-probability" (BLiMP's rule); meta is "the
  model gives the good sentence's number the higher probability when asked which sentence is better", averaged
  over both orders so that a preference for "1" or "2" cancels out.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import torch

from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.model import ModelAdapter
from talkscope.tools.engine.scoring import continuation_item, option_logprobs, sentence_item, token_logprobs

META_CONTINUATION = ('Here is the beginning of an English sentence: "{prompt}". What word is most likely to come '
                     "next? Answer:")
META_PAIR = ("Here are two English sentences: 1) {first} 2) {second} Which sentence is a better English sentence? "
             "Respond with either 1 or 2 as your answer. Answer:")
SUITES_DIR = "data/competence"


@dataclass(frozen=True)
class Candidate:
    text: str
    logprob: float
    token_logprobs: list[float]
    rank: int               # vocabulary rank of its first token at the prompt's last position (1 = top)
    lens_layer: int | None  # first layer whose logit-lens top token is its first token
    meta_logprob: float     # its log-probability as the answer to the meta-linguistic question


def suite_names() -> tuple[str, ...]:
    folder = files("talkscope.tools").joinpath(SUITES_DIR)
    return tuple(sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".csv")))


def load_pairs(source: str | Path) -> list[tuple[str, str]]:
    """(good, bad) pairs from a built-in suite's name or a CSV file with columns good,bad."""
    path = Path(source) if isinstance(source, Path) else None
    if path is None:
        if source not in suite_names():
            raise TalkscopeError(f"there is no suite {source!r}; choose one of: {', '.join(suite_names())}, all, "
                                 "or give a CSV file with columns good,bad")
        text = files("talkscope.tools").joinpath(f"{SUITES_DIR}/{source}.csv").read_text(encoding="utf-8")
    else:
        if not path.is_file():
            raise TalkscopeError(f"{path} is not a file: give a CSV of minimal pairs with columns good,bad")
        text = path.read_text(encoding="utf-8", errors="replace")
    rows = list(csv.DictReader(text.splitlines()))
    if not rows or not {"good", "bad"} <= set(rows[0]):
        raise TalkscopeError(f"{source}: a minimal-pair CSV needs a header with the columns good,bad and one pair "
                             "per row")
    pairs = [(r["good"].strip(), r["bad"].strip()) for r in rows if (r["good"] or "").strip() and
             (r["bad"] or "").strip()]
    if not pairs:
        raise TalkscopeError(f"{source} has no complete pair: each row needs a good and a bad sentence")
    return pairs


def score_candidates(model: ModelAdapter, prompt: str, texts: list[str]) -> list[Candidate]:
    items = [continuation_item(model, prompt, t) for t in texts]
    meta_prompt = META_CONTINUATION.format(prompt=prompt.strip())
    meta_items = [continuation_item(model, meta_prompt, t.strip()) for t in texts]
    scores = token_logprobs(model, items + meta_items)
    direct, meta = scores[:len(items)], scores[len(items):]
    enc = model.encode(prompt)
    with torch.no_grad():
        hidden = model.residual_stream(enc.tensor(model.device))[:, 0, -1]  # [L+1, D]
        logits = model.logits_from_residual(hidden).float()                # [L+1, V]
    lens_top = logits.argmax(-1).tolist()
    final = logits[-1]
    out = []
    for text, item, lps, mlps in zip(texts, items, direct, meta):
        first = item.continuation[0]
        rank = int((final > final[first]).sum()) + 1
        lens = next((ell for ell, top in enumerate(lens_top) if top == first), None)
        out.append(Candidate(text, round(sum(lps), 5), [round(x, 5) for x in lps], rank, lens, round(sum(mlps), 5)))
    return out


@dataclass(frozen=True)
class PairScores:
    direct: list[float]  # log p(good) - log p(bad), per pair
    meta: list[float]    # mean over both orders of log p(good's number) - log p(bad's number)
    says_one: int = 0    # how many of the 2 x pairs questions the model answers "1" rather than "2"


def score_pairs(model: ModelAdapter, pairs: list[tuple[str, str]],
                advance: Callable[[int], None] = lambda n: None) -> PairScores:
    sentences = [sentence_item(model, s) for pair in pairs for s in pair]
    direct_lp = [sum(x) for x in token_logprobs(model, sentences, advance)]
    questions = [model.encode(META_PAIR.format(first=a, second=b)).ids
                 for good, bad in pairs for a, b in ((good, bad), (bad, good))]
    options = [model.tokenizer(" " + d, add_special_tokens=False)["input_ids"] for d in ("1", "2")]
    meta_lp = option_logprobs(model, questions, options, advance)  # per question [log p(" 1"), log p(" 2")]
    direct = [direct_lp[2 * i] - direct_lp[2 * i + 1] for i in range(len(pairs))]
    meta = []
    for i in range(len(pairs)):
        (good_1, good_2), (bad_1, bad_2) = meta_lp[2 * i], meta_lp[2 * i + 1]
        meta.append(((good_1 - good_2) + (bad_2 - bad_1)) / 2)  # the good sentence's number, in both orders
    says_one = sum(one > two for one, two in meta_lp)
    return PairScores([round(d, 5) for d in direct], [round(m, 5) for m in meta], says_one)


def wilson(correct: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion."""
    if n == 0:
        return 0.0, 1.0
    p = correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)
