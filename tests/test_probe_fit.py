"""Probe fitting on synthetic hidden states (no model): grouped folds, the control task, the lexical baseline,
and the fallbacks when groups cannot be held out."""

from __future__ import annotations

import numpy as np
import pytest

from talkscope.tools.engine.probe_fit import control_task, grouped, lexical_correct, probe_layers, stratified

N_GROUPS, PER_GROUP = 12, 10


def synthetic(signal_layer: int = 1):
    """Labels balanced within each group; only `signal_layer` carries the label (plus noise)."""
    rng = np.random.default_rng(7)
    groups = [f"w{g}" for g in range(N_GROUPS) for _ in range(PER_GROUP)]
    y = np.array(["a", "b"] * (N_GROUPS * PER_GROUP // 2))
    states = rng.normal(size=(3, len(y), 16)).astype(np.float32)
    states[signal_layer, :, 0] += np.where(y == "a", 3.0, -3.0)
    texts = [f"the {g} is {'good' if lab == 'a' else 'fine'} today" for g, lab in zip(groups, y)]
    return states, y, groups, texts


def test_grouped_folds_never_share_a_group_between_train_and_test():
    _, y, groups, _ = synthetic()
    splits, note = grouped(y, groups)
    assert note is None and len(splits) == 5
    g = np.array(groups)
    for train, test in splits:
        assert not set(g[train]) & set(g[test])
    assert sorted(np.concatenate([t for _, t in splits]).tolist()) == list(range(len(y)))


def test_the_control_task_gives_each_group_one_random_label():
    _, y, groups, _ = synthetic()
    task = control_task(y, groups)
    by_group = {g: set(task[[i for i, x in enumerate(groups) if x == g]]) for g in set(groups)}
    assert all(len(labels) == 1 for labels in by_group.values())
    assert set(task) == {"a", "b"}  # 12 draws: both labels occur
    assert len(set(control_task(y, None))) == 2  # without groups: one draw per example


def test_the_lexical_baseline_cannot_use_words_it_never_saw():
    rng = np.random.default_rng(3)
    words = [f"w{g}" for g in range(N_GROUPS)]
    label_of = {w: "a" if i % 2 else "b" for i, w in enumerate(words)}
    groups = [w for w in words for _ in range(PER_GROUP)]
    texts = [f"the {w} was {rng.choice(['here', 'there', 'seen'])}" for w in groups]
    y = np.array([label_of[w] for w in groups])
    assert lexical_correct(texts, y, stratified(y)).mean() > 0.95  # the word gives the label away
    splits, _ = grouped(y, groups)
    assert lexical_correct(texts, y, splits).mean() < 0.7  # ... but not for words held out


def test_probe_layers_reports_every_score_and_picks_the_best_held_out_layer():
    states, y, groups, texts = synthetic(signal_layer=1)
    seen: list[int] = []
    d = probe_layers(states, list(y), [0, 1, 2], texts, groups, progress=seen.append)
    assert sum(seen) == 4 * 3 and d["best_layer"] == 1 and d["groups"] == N_GROUPS and d["group_note"] is None
    assert d["grouped_accuracy"][1] > 0.9 and d["grouped_accuracy"][0] < 0.7
    assert all(lo <= a <= hi for lo, a, hi in zip(d["grouped_ci_low"], d["grouped_accuracy"], d["grouped_ci_high"]))
    assert d["selectivity"] == pytest.approx([a - c for a, c in zip(d["accuracy"], d["control_task_accuracy"])])
    assert d["permuted_selectivity"] == pytest.approx([a - c for a, c in zip(d["accuracy"], d["control_accuracy"])])
    assert 0.0 <= d["lexical_baseline"] <= 1.0 and d["lexical_ci_low"] <= d["lexical_baseline"] <= d["lexical_ci_high"]


@pytest.mark.parametrize("groups, note", [
    (None, "no group column"),
    (["same"] * (N_GROUPS * PER_GROUP), "one value only"),
    (["x"] * 60 + ["z"] * 60, "train on one class only"),
])
def test_when_groups_cannot_be_held_out_it_falls_back_with_a_note(groups, note):
    states, y, _, texts = synthetic()
    if groups is not None and groups[0] == "x":
        y = np.array(["a"] * 60 + ["b"] * 60)  # each group holds one class: a fold would train on one class
    seen: list[int] = []
    d = probe_layers(states, list(y), [0, 1], texts, groups, progress=seen.append)
    assert note in d["group_note"] and d["grouped_accuracy"] == d["accuracy"] and sum(seen) == 4 * 2
