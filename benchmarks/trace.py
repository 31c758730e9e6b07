"""Causal tracing: talkscope's batched sweep against a per-restoration loop (the same code, one row per forward)
and against the same sweep written in nnsight (0.8; installed in the benchmark's environment only:
`pip install nnsight==0.8.1`), all in one run, with the largest difference between their numbers; then the indirect
effects of the three kinds of site on the default model, and where they lie (Meng et al. 2022 find the early site
at the last subject token in middle-layer MLPs, and a late site at the last token in attention).

    .venv/bin/python -m benchmarks.trace
"""

from __future__ import annotations

import time

import numpy as np
import torch

from benchmarks.common import machine
from talkscope.tools.engine import tracing
from talkscope.tools.engine.loading import load_model

CASES = [("The capital of France is", "France", "Paris"),
         ("The Eiffel Tower is located in the city of", "Eiffel Tower", "Paris"),
         ("Michael Jordan played the sport of", "Michael Jordan", "basketball")]
SAMPLES = 1  # noise samples in the speed comparison (each method runs the same rows; the effects table uses 5)
SPEED_CASES = CASES[:2]  # nnsight takes about a second per restoration here


def nnsight_sweep(model, prompt: str, subject: str, answer_id: int, samples: int) -> np.ndarray:
    """The residual-stream sweep written in nnsight: one trace per restoration, reading the answer's probability
    from the model's own logits. Noise is the engine's (same seeds), so the numbers must agree."""
    import warnings

    from nnsight import LanguageModel

    with warnings.catch_warnings():  # 0.8 suggests TransformersModel(repo_id), which loads by name; we wrap ours
        warnings.simplefilter("ignore")
        lm = LanguageModel(model.model, tokenizer=model.tokenizer)
    enc = model.encode(prompt)
    ids = enc.tensor("cpu")
    subj = tracing.subject_positions(model, enc, subject)
    with torch.no_grad():
        hidden = model.model(ids, output_hidden_states=True).hidden_states  # [L+1] x [1, T, D]; L is normed
        clean = model.residual_stream(ids)[:, 0]  # the raw last layer, as the engine restores it
    sigma = tracing.NOISE_SCALE * tracing.embedding_sigma(model)
    n_layers, width = model.n_layers, len(enc)
    out = np.zeros((samples, n_layers + 1, width))
    for s in range(samples):
        noise = torch.randn(len(subj), model.hidden_size, generator=torch.Generator().manual_seed(s)) * sigma
        for layer in range(n_layers + 1):
            for pos in range(width):
                if pos < min(subj):
                    out[s, layer, pos] = np.nan  # filled with the corrupted run below, as the engine does
                    continue
                with torch.no_grad(), lm.trace(ids):
                    emb = lm.model.embed_tokens.output
                    emb[0, subj] = emb[0, subj] + noise
                    if layer == 0:
                        emb[0, pos] = clean[0, pos]
                    else:
                        site = lm.model.layers[layer - 1].output
                        h = site[0] if isinstance(site, tuple) else site
                        h[0, pos] = clean[layer, pos]
                    prob = lm.output.logits[0, -1].float().softmax(-1)[answer_id].save()
                out[s, layer, pos] = float(prob)
        with torch.no_grad(), lm.trace(ids):
            emb = lm.model.embed_tokens.output
            emb[0, subj] = emb[0, subj] + noise
            corrupted = lm.output.logits[0, -1].float().softmax(-1)[answer_id].save()
        out[s][np.isnan(out[s])] = float(corrupted)
    del hidden
    return out


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - start, value


def speed(model) -> None:
    print("\n## The same residual-stream sweep three ways (seconds; samples of noise: "
          f"{SAMPLES})\n\n| prompt | rows | talkscope (batched) | per-restoration loop | nnsight | speed-up vs loop "
          "| vs nnsight | max difference |\n|---|---|---|---|---|---|---|---|")
    for prompt, subject, answer in SPEED_CASES:
        t_batch, tr = timed(tracing.run_trace, model, prompt, subject, answer, "state", samples=SAMPLES)
        rows = SAMPLES * (1 + len(tr.layers) * (len(tr.tokens) - min(tr.subject)))
        saved, tracing.ROWS_PER_FORWARD = tracing.ROWS_PER_FORWARD, 1
        try:
            t_loop, loop = timed(tracing.run_trace, model, prompt, subject, answer, "state", samples=SAMPLES)
        finally:
            tracing.ROWS_PER_FORWARD = saved
        t_nns, nns = timed(nnsight_sweep, model, prompt, subject, tr.answer_id, SAMPLES)
        diff = max(float(np.abs(tr.effects - loop.effects).max()), float(np.abs(tr.effects - nns).max()))
        print(f"| {prompt!r} | {rows} | {t_batch:.2f} | {t_loop:.2f} | {t_nns:.2f} | {t_loop / t_batch:.1f}x | "
              f"{t_nns / t_batch:.1f}x | {diff:.1e} |")


def effects(model) -> None:
    print("\n## Where the effect lies (5 noise samples; mean recovered probability minus corrupted, 95% t-interval)\n")
    print("| prompt | clean p | corrupted p | kind | strongest cell | effect | at last subject token | at last token |")
    print("|---|---|---|---|---|---|---|---|")
    from talkscope.tools.trace import finding_of

    for prompt, subject, answer in CASES:
        for kind in ("state", "mlp", "attn"):
            f = finding_of(tracing.run_trace(model, prompt, subject, answer, kind), prompt, None, model.n_layers)
            t = f.top[0]
            s_layer, s_eff = f.best_at(max(f.subject_positions))
            l_layer, l_eff = f.best_at(len(f.tokens) - 1)
            cell = f"layer {t['layer']}, {t['token'].strip()!r} ({f.role(t)})"
            print(f"| {prompt!r} | {f.clean:.3f} | {f.corrupted:.4f} | {kind} | {cell} | {t['effect']:+.3f} "
                  f"[{t['ci_low']:+.3f}, {t['ci_high']:+.3f}] | layer {s_layer}: {s_eff:+.3f} | "
                  f"layer {l_layer}: {l_eff:+.3f} |")


def main() -> None:
    print(f"# causal tracing · {machine()}")
    model = load_model("default", device="cpu")
    tracing.run_trace(model, *CASES[0], "state", samples=1)  # warm-up
    speed(model)
    effects(model)


if __name__ == "__main__":
    main()
