"""Reproduce the Patchscopes paper's comparisons (Ghandeharioun et al., ICML 2024) on the default model.

1. Next-token prediction from hidden states (the paper's Fig. 2 setting): at every token position of
   built-in prose, for each layer, does the decoding of that position's hidden state equal the model's
   own next-token prediction there? Precision@1 per layer for the token-identity patchscope (first
   answer token after its "->") and for the logit lens.
2. Attribute extraction: for facts the model answers correctly when asked directly ("The capital of
   France is" -> " Paris" within 10 tokens), the subject's last-token hidden state (source prompt: the
   subject alone) is patched into the relation prompt at the same layer; accuracy per source layer is
   whether the object appears in the first 10 generated tokens.

    .venv/bin/python benchmarks/patchscope_eval.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import machine  # noqa: E402
from talkscope.tools.engine.generation import continue_prompts  # noqa: E402
from talkscope.tools.engine.loading import load_model  # noqa: E402
from talkscope.tools.engine.patching import run_patchscope  # noqa: E402
from talkscope.tools.engine.sweeps import source_states  # noqa: E402
from talkscope.tools.patchscope import presets, target_setup  # noqa: E402

DATA = Path(__file__).with_name("data")
POSITIONS_PER_BATCH = 8
N_FACTS = 100  # known facts used, taken round-robin across relations (10 tokens x 19 layers each is slow on CPU)


def next_token_precision(model) -> tuple[list[float], list[float], int]:
    setup = target_setup("identity", None, None)
    n_layers = model.n_layers + 1
    hits_ps, hits_ll, total = [0] * n_layers, [0] * n_layers, 0
    for paragraph in DATA.joinpath("lens_text.txt").read_text().splitlines():
        enc = model.encode(paragraph)
        ids = enc.tensor(model.device)
        hidden = model.residual_stream(ids)[:, 0]  # [L+1, T, D]
        with torch.no_grad():
            lens = model.logits_from_residual(hidden).argmax(-1)  # [L+1, T]
        own = lens[-1]  # the model's own next-token prediction at each position
        positions = list(range(1, len(enc) - 1))
        for start in range(0, len(positions), POSITIONS_PER_BATCH):
            chunk = positions[start:start + POSITIONS_PER_BATCH]
            vectors = torch.cat([hidden[:, p] for p in chunk])  # rows: position-major, all layers each
            layers = list(range(n_layers)) * len(chunk)
            decs = run_patchscope(model, vectors, layers, **setup)
            for j, p in enumerate(chunk):
                want = model.tokenizer.decode([int(own[p])]).strip()
                for ell in range(n_layers):
                    d = decs[j * n_layers + ell]
                    hits_ps[ell] += bool(d.tokens) and d.tokens[0].strip() == want
                    hits_ll[ell] += int(lens[ell, p]) == int(own[p])
            total += len(chunk)
            print(f"\rnext-token: {total} positions", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return [h / total for h in hits_ps], [h / total for h in hits_ll], total


def attribute_accuracy(model) -> tuple[list[float], int, int, int, dict[str, int]]:
    rel = presets()["relations"]
    facts = [line.split("\t") for line in DATA.joinpath("facts.tsv").read_text().splitlines()[1:]]
    prompts = [rel[r].replace("x", s, 1) if rel[r].startswith("x") else rel[r].replace(" x", " " + s, 1)
               for r, s, _ in facts]
    direct = continue_prompts(model, prompts, 10)
    correct = [f for f, c in zip(facts, direct) if any(o.lower() in c.text.lower() for o in f[2].split(";"))]
    by_rel: dict[str, list[list[str]]] = {}
    for f in correct:
        by_rel.setdefault(f[0], []).append(f)
    known: list[list[str]] = []
    while len(known) < N_FACTS and any(by_rel.values()):  # round-robin, so every relation is represented
        for rel_facts in by_rel.values():
            if rel_facts and len(known) < N_FACTS:
                known.append(rel_facts.pop(0))
    per_rel: dict[str, int] = {}
    for f in known:
        per_rel[f[0]] = per_rel.get(f[0], 0) + 1
    n_layers = model.n_layers + 1
    hits = [0] * n_layers
    for n, (r, subject, objects) in enumerate(known, 1):
        _, _, layers, hidden = source_states(model, subject, None, None)
        decs = run_patchscope(model, hidden, layers, rel[r], "x", 10)
        for ell, d in enumerate(decs):
            hits[ell] += any(o.lower() in d.text.lower() for o in objects.split(";"))
        print(f"\rattribute: {n}/{len(known)} facts", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return [h / max(1, len(known)) for h in hits], len(known), len(correct), len(facts), per_rel


def reliable_from(curve: list[float], level: float = 0.5) -> str:
    """First layer from which precision stays at or above `level`."""
    for ell in range(len(curve)):
        if all(v >= level for v in curve[ell:]):
            return str(ell)
    return "never"


def main() -> None:
    part = sys.argv[1] if len(sys.argv) > 1 else "all"  # all, next-token or attribute
    model = load_model("default", device="cpu")
    print(f"# patchscope eval · {machine()}")
    if part in ("all", "next-token"):
        ps, ll, n_pos = next_token_precision(model)
        print(f"\n## Next-token prediction, Precision@1 per layer ({n_pos} positions)\n")
        print("| layer | identity patchscope | logit lens |")
        print("|---|---|---|")
        for ell, (a, b) in enumerate(zip(ps, ll)):
            print(f"| {ell} | {a:.3f} | {b:.3f} |")
        print(f"\nReliable (Precision@1 >= 0.5 from this layer on): patchscope {reliable_from(ps)}, "
              f"logit lens {reliable_from(ll)}.", flush=True)
    if part not in ("all", "attribute"):
        return
    acc, n_known, n_correct, n_facts, per_rel = attribute_accuracy(model)
    print(f"\n## Attribute extraction ({n_correct} of {n_facts} facts answered correctly when asked directly; "
          f"the first {n_known} used: " + ", ".join(f"{r} {k}" for r, k in sorted(per_rel.items())) + ")\n")
    print("| source layer | accuracy |")
    print("|---|---|")
    for ell, a in enumerate(acc):
        print(f"| {ell} | {a:.3f} |")


if __name__ == "__main__":
    main()
