"""How two groups of texts differ: the words and two-word phrases that separate them, by the log-odds ratio with
an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin' Words", eq. 22 and its variance), with
the counts of the whole collection (shrunk, see `PRIOR_SHARE`) as the prior; and a check of a written
description against the data.

The description is written from one random half of each group (its words and typical texts) and checked on the
other half: the model's sentence alone (without the group names) and every held-out text are embedded with the
packaged MiniLM, and the check asks whether similarity to the sentence separates the groups: the AUROC with a
bootstrap interval, and how many texts of each group lie above the median similarity (they "fit" it). A
description that does not separate the groups is reported as such.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TOKEN = r"(?u)\b[a-zA-Z][\w'-]+\b"
MIN_COUNT = 3  # a term must occur this often in the two groups together
# The prior's total strength as a share of the words in the two groups: at a tenth it still regularises rare words
# (a word seen twice is not a finding) without outweighing the data, whatever the groups' size.
PRIOR_SHARE = 0.1
STRONG_Z = 3.3  # |z| for a term to count as a finding: about p < 0.001, since thousands of terms are scored


@dataclass
class Term:
    term: str
    z: float
    delta: float
    count_a: int
    count_b: int


def log_odds(texts: list[str], in_a: np.ndarray, in_b: np.ndarray, top: int = 10) -> tuple[list[Term], list[Term]]:
    """(terms of A, terms of B), each the `top` by z-score (A's positive, B's most negative); `in_a`, `in_b` mark
    the two groups among `texts` (the background). The prior's strength is scaled to the two groups: alpha_w =
    PRIOR_SHARE * (words in A and B) * the word's share of the background."""
    from sklearn.feature_extraction.text import CountVectorizer

    vec = CountVectorizer(ngram_range=(1, 2), token_pattern=TOKEN, lowercase=True, min_df=2 if len(texts) >= 50 else 1)
    try:
        counts = vec.fit_transform(texts).tocsr()
    except ValueError:  # no word in any text
        return [], []
    background = np.asarray(counts.sum(0)).ravel().astype(float)
    ya = np.asarray(counts[np.flatnonzero(in_a)].sum(0)).ravel().astype(float)
    yb = np.asarray(counts[np.flatnonzero(in_b)].sum(0)).ravel().astype(float)
    na, nb = ya.sum(), yb.sum()
    prior = PRIOR_SHARE * (na + nb) * background / max(background.sum(), 1.0)
    a0 = prior.sum()
    delta = (np.log((ya + prior) / (na + a0 - ya - prior)) - np.log((yb + prior) / (nb + a0 - yb - prior)))
    z = delta / np.sqrt(1 / (ya + prior) + 1 / (yb + prior))
    keep = (ya + yb) >= MIN_COUNT
    terms = vec.get_feature_names_out()
    order = np.argsort(-z)

    def pick(indices: np.ndarray) -> list[Term]:
        return [Term(str(terms[i]), float(z[i]), float(delta[i]), int(ya[i]), int(yb[i])) for i in indices
                if keep[i]][:top]

    return pick(order[z[order] > 0]), pick(order[::-1][z[order[::-1]] < 0])


def halves(positions: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A group split at random in two: one half to write the description from, the other to check it on."""
    shuffled = np.random.default_rng(seed).permutation(positions)
    cut = len(shuffled) // 2
    return np.sort(shuffled[:cut]), np.sort(shuffled[cut:])


@dataclass
class DescriptionCheck:
    auroc: float
    low: float
    high: float
    fit_a: int
    fit_b: int
    n_a: int
    n_b: int

    @property
    def separates(self) -> bool:
        return self.low > 0.5


def check_description(description_vec: np.ndarray, vec_a: np.ndarray, vec_b: np.ndarray,
                      seed: int = 0) -> DescriptionCheck:
    """How well similarity to the description (unit vectors) tells group A from group B."""
    from sklearn.metrics import roc_auc_score

    sa, sb = vec_a @ description_vec, vec_b @ description_vec
    both = np.concatenate([sa, sb])
    y = np.r_[np.ones(len(sa)), np.zeros(len(sb))]
    auc = float(roc_auc_score(y, both))
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(500):
        ia, ib = rng.integers(0, len(sa), len(sa)), rng.integers(0, len(sb), len(sb))
        draws.append(roc_auc_score(y, np.concatenate([sa[ia], sb[ib]])))
    low, high = np.percentile(draws, [2.5, 97.5])
    cut = float(np.median(both))
    return DescriptionCheck(auc, float(low), float(high), int((sa > cut).sum()), int((sb > cut).sum()),
                            len(sa), len(sb))


def description_prompt(name_a: str, name_b: str, words_a: list[str], words_b: list[str], examples_a: list[str],
                       examples_b: list[str]) -> str:
    show_a = "\n".join(f"- {e[:160]}" for e in examples_a)
    show_b = "\n".join(f"- {e[:160]}" for e in examples_b)
    return (f"Group A ({name_a}) examples:\n{show_a}\nWords typical of group A: {', '.join(words_a)}\n\n"
            f"Group B ({name_b}) examples:\n{show_b}\nWords typical of group B: {', '.join(words_b)}\n\n"
            "Unlike group B's messages, group A's messages are mostly about")


def first_sentence(text: str) -> str:
    """The continuation up to its first sentence end or line break (where the model starts a new thought)."""
    line = text.strip().split("\n")[0]
    end = next((i for i in range(len(line)) if line[i] in ".!?" and (i + 1 == len(line) or line[i + 1] == " ")),
               len(line))
    return line[:end].strip(" .,;:") + "."
