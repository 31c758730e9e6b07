"""How rigorous probes read each built-in concept, layer by layer, on the default model (CPU): accuracy
under stratified folds, under folds that hold out whole groups (the word or item that carries the concept),
the control task (a random label per group, Hewitt & Liang 2019) and a bag-of-words lexical baseline under
the grouped folds. The figures are what `talkscope tool probe` reports; this script prints them as tables.

    .venv/bin/python benchmarks/probe_rigor.py            # about 5 min (hidden states cached after the first run)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import machine, timed
from talkscope.tools.engine.loading import cache_root, load_model
from talkscope.tools.engine.probe_data import BUILT_IN, hidden_states, load_dataset
from talkscope.tools.engine.probe_fit import probe_layers


def table(concept: str, d: dict, group_name: str) -> list[str]:
    lines = [f"### {concept} ({d['n_examples']} examples, {d['groups']} {group_name}; words alone under held-out "
             f"{group_name}: {d['lexical_baseline']:.2f} "
             f"(95% CI {d['lexical_ci_low']:.2f}-{d['lexical_ci_high']:.2f}), "
             f"under stratified folds: {d['lexical_baseline_stratified']:.2f}; best layer on held-out "
             f"{group_name}: {d['best_layer']})", "",
             f"| layer | stratified | held-out {group_name} (95% CI) | control task | selectivity | permuted |",
             "|---|---|---|---|---|---|"]
    for i, ell in enumerate(d["layers"]):
        lines.append(f"| {ell} | {d['accuracy'][i]:.2f} | {d['grouped_accuracy'][i]:.2f} "
                     f"({d['grouped_ci_low'][i]:.2f}-{d['grouped_ci_high'][i]:.2f}) | "
                     f"{d['control_task_accuracy'][i]:.2f} | {d['selectivity'][i]:.2f} | "
                     f"{d['control_accuracy'][i]:.2f} |")
    return lines + [""]


def main() -> None:
    model = load_model("default", device="cpu")
    layers = list(range(model.n_layers + 1))
    out = [f"# probe rigor · default model, last-token pooling, every layer · {machine()}", ""]
    for concept in BUILT_IN:
        data = load_dataset(concept)
        states = hidden_states(model, data, "last", cache_root())
        seconds, d = timed(lambda: probe_layers(states, data.labels, layers, data.texts, data.groups))  # noqa: B023
        out += table(concept, d, data.group_name) + [f"(fitted in {seconds:.1f} s)", ""]
        print(f"{concept} done in {seconds:.1f} s", file=sys.stderr)
    print("\n".join(out))


if __name__ == "__main__":
    main()
