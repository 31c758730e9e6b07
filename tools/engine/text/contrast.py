"""How two groups of texts differ: the words and two-word phrases that separate them, by the log-odds ratio with
an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin' Words", eq. 22 and its variance), with
the counts of the whole collection (shrunk, see `PRIOR_SHARE`) as the prior; and a check of a written
description against the data.

The check embeds the description and every example of both groups with the packaged MiniLM and asks whether
similarity to the description separates the groups: the AUROC with a bootstrap interval, and how many examples of
each group lie above the median similarity (they "fit" it). A description that does not separate the groups is
reported as such, whoever wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TOKEN = r"(?u)\b[a-zA-Z][\w'-]+\b"
MIN_COUNT = 3  # a term must occur this often in the two groups together
# The groups compared are drawn from the background itself, so its counts as the prior would weigh as much as the
# data; shrunk to a tenth, the prior still regularises rare words (a word seen twice is not a finding).
PRIOR_SHARE = 0.1


@dataclass
class Term:
    term: str
    z: float
    delta: float
    count_a: int
    count_b: int


def log_odds(texts_a: list[str], texts_b: list[str], background: list[str], top: int = 10) -> tuple[list[Term],
                                                                                                    list[Term]]:
    """(terms of A, terms of B), each the `top` by z-score (A's positive, B's most negative)."""
    from sklearn.feature_extraction.text import CountVectorizer

    vec = CountVectorizer(ngram_range=(1, 2), token_pattern=TOKEN, lowercase=True)
    vec.fit(background)
    prior = PRIOR_SHARE * np.asarray(vec.transform(background).sum(0)).ravel().astype(float)
    ya = np.asarray(vec.transform(texts_a).sum(0)).ravel().astype(float)
    yb = np.asarray(vec.transform(texts_b).sum(0)).ravel().astype(float)
    a0, na, nb = prior.sum(), ya.sum(), yb.sum()
    delta = (np.log((ya + prior) / (na + a0 - ya - prior)) - np.log((yb + prior) / (nb + a0 - yb - prior)))
    z = delta / np.sqrt(1 / (ya + prior) + 1 / (yb + prior))
    keep = (ya + yb) >= MIN_COUNT
    terms = vec.get_feature_names_out()
    order = np.argsort(-z)

    def pick(indices: np.ndarray) -> list[Term]:
        return [Term(str(terms[i]), float(z[i]), float(delta[i]), int(ya[i]), int(yb[i])) for i in indices
                if keep[i]][:top]

    return pick(order[z[order] > 0]), pick(order[::-1][z[order[::-1]] < 0])


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
