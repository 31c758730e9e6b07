"""Text datasets, measured in one run on the demo `tickets`:

1. the model's reading (surprisal + hidden states) against a plain transformers loop over the same texts (one
   text at a time, full logits): the same surprisals to 1e-4, and the throughput of each in tokens/s;
2. mislabel detection against the 60 documented flipped labels: precision and recall at the top-k that
   `label_check` reports, against random ranking and a loss ranking (bag-of-words logistic regression,
   cross-validated, ranked by the loss of the given label);
3. the time of each tool on the whole demo set (the model's reading cached after its first pass).

    python -m benchmarks.dataset_text [--plain 100] [--cache DIR] [--only throughput|ray|scale|demo]

4. local against local Ray on the same texts; 5. (`--only scale`) the operations after the model's reading at
   10,000 and 100,000 texts.
"""

from __future__ import annotations

import argparse
import json
import time
from importlib.resources import files
from pathlib import Path

import numpy as np
import torch


def throughput(model, texts: list[str]) -> None:  # noqa: ANN001
    from talkscope.tools.engine.text import reading

    reading.compute_rows(model, texts[:8])  # warm-up
    ids = [s[:reading.MAX_TOKENS] for s in reading.encode_all(model, texts)]
    tokens = sum(len(s) for s in ids)
    t0 = time.perf_counter()
    rows = reading.compute_rows(model, texts, ids=ids)
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    plain = []
    with torch.no_grad():
        for s in ids:
            x = torch.tensor([s])
            logp = torch.log_softmax(model.model(x, output_hidden_states=True).logits.float(), -1)[0, :-1]
            plain.append(float(-logp.gather(1, x[0, 1:, None]).mean()))
    theirs = time.perf_counter() - t0
    gap = float(np.abs(np.array(plain) - rows["surprisal"]).max())
    print(f"reading {len(texts)} texts ({tokens} tokens): talkscope {tokens / ours:.0f} tok/s ({ours:.1f} s), "
          f"plain transformers loop {tokens / theirs:.0f} tok/s ({theirs:.1f} s): {theirs / ours:.2f}x; "
          f"max |surprisal difference| {gap:.2e}")


def mislabels(ctx, k_values: tuple[int, ...] = (20, 60, 100)) -> None:  # noqa: ANN001
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    from talkscope.tools.base import get_tool
    from talkscope.tools.engine.probe_fit import stratified

    flipped = {f["id"] for f in json.loads(files("talkscope.tools").joinpath("data/texts/tickets.json")
                                           .read_text(encoding="utf-8"))["flipped"]}
    t0 = time.perf_counter()
    result = get_tool("label_check")(ctx, {"part": "all", "n": max(k_values)})
    print(f"label_check (all parts, whole demo): {time.perf_counter() - t0:.1f} s; flagged {result.data['flagged']}")
    d = result.data["decodable"]
    b = d["layers"].index(d["best_layer"])
    print(f"  decodable: best layer {d['best_layer']}, accuracy {d['accuracy'][b]:.3f} [{d['ci_low'][b]:.3f}, "
          f"{d['ci_high'][b]:.3f}]; bag of words {d['lexical']:.3f}; probe minus bag of words {d['vs_lexical']}; "
          f"majority {d['majority']:.3f}")
    z = result.data["zero_shot"]
    print(f"  zero-shot agreement {z['agreement']:.3f}, prior-corrected {z['corrected_agreement']:.3f}, "
          f"majority class {z['majority']:.3f}")
    ours = [s["id"] for s in result.data["suspects"]]
    data = ctx.texts.data
    y = np.array(data.labels)
    x = CountVectorizer(ngram_range=(1, 2)).fit_transform(data.texts)
    probs = cross_val_predict(LogisticRegression(max_iter=2000), x, y, cv=stratified(y), method="predict_proba")
    classes = sorted(set(data.labels))
    loss = -np.log(probs[np.arange(len(y)), [classes.index(v) for v in y]] + 1e-12)
    baseline = [data.ids[i] for i in np.argsort(-loss)]
    rng = np.random.default_rng(0)
    for k in k_values:
        for name, ranking in (("talkscope", ours), ("loss ranking (bag of words)", baseline)):
            hits = len(set(ranking[:k]) & flipped)
            print(f"  top-{k:<3} {name:<28} precision {hits / k:.3f}, recall {hits / len(flipped):.3f}")
        rand = np.mean([len(set(rng.choice(len(y), k, replace=False)) & flipped) for _ in range(200)])
        print(f"  top-{k:<3} {'random':<28} precision {rand / k:.3f}, recall {rand / len(flipped):.3f}")


def tool_times(ctx) -> None:  # noqa: ANN001
    from talkscope.tools.base import get_tool

    for name, args in (("topics", {}), ("surprise", {"by": "label"}), ("surprise", {"example": 3}),
                       ("contrast_groups", {"group_a": "refund", "group_b": "billing"})):
        t0 = time.perf_counter()
        result = get_tool(name)(ctx, args)
        print(f"{name} {args}: {time.perf_counter() - t0:.1f} s{'' if result.ok else ' FAILED'}")


def ray_overhead(model, texts: list[str]) -> None:  # noqa: ANN001
    """The same reading locally and on a local 2-CPU Ray instance (one actor), from a cold start of Ray."""
    from talkscope.tools.engine.text.reading import read_examples
    from talkscope.tools.engine.text.scale import ray_runner

    t0 = time.perf_counter()
    local = read_examples(model, texts, None)
    t_local = time.perf_counter() - t0
    t0 = time.perf_counter()
    run = ray_runner("local", actors=1, batch_size=32, num_cpus=2)
    t_start = time.perf_counter() - t0
    t0 = time.perf_counter()
    remote = read_examples(model, texts, None, runner=run)
    t_ray = time.perf_counter() - t0
    gap = float(np.abs(local.surprisal - remote.surprisal).max())
    print(f"{len(texts)} texts: local {t_local:.1f} s; Ray (local, 2 CPUs, 1 actor) {t_ray:.1f} s after {t_start:.1f} "
          f"s to start Ray; max |surprisal difference| {gap:.1e}")


def at_scale(sizes: tuple[int, ...] = (10_000, 100_000)) -> None:
    """The operations after the model's reading, on the demo's texts repeated to each size: clustering with k chosen
    as `topics` does (the demo's MiniLM embeddings, repeated with a little noise), keywords, log-odds, and a probe's
    cross-validated probabilities with confident learning (states drawn at random in the model's shape: their
    values do not change the time much)."""
    from talkscope.tools.engine.loading import cache_root
    from talkscope.tools.engine.text import contrast, labels, topics
    from talkscope.tools.engine.text.state import TextState

    data = TextState("tickets").data
    rng = np.random.default_rng(0)
    for n in sizes:
        reps = -(-n // len(data.texts))
        texts = (data.texts * reps)[:n]
        y = (data.labels * reps)[:n]
        base = TextState("tickets", cache_dir=cache_root() / "texts").vectors()
        vectors = np.tile(base, (reps, 1))[:n] + 0.01 * rng.standard_normal((n, base.shape[1])).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        t0 = time.perf_counter()
        found = topics.cluster(vectors)
        t_cluster = time.perf_counter() - t0
        t0 = time.perf_counter()
        topics.keywords(texts, found.labels, found.k)
        t_words = time.perf_counter() - t0
        t0 = time.perf_counter()
        contrast.log_odds(texts, np.array(y) == "refund", np.array(y) == "billing")
        t_odds = time.perf_counter() - t0
        states = rng.standard_normal((n, 640)).astype(np.float32)
        t0 = time.perf_counter()
        probs, classes = labels.probe_probabilities(states, y)
        labels.likely_mislabels(probs, y, classes)
        t_probe = time.perf_counter() - t0
        print(f"{n:,} texts: clusters (k = {found.k} chosen by silhouette, + 4 seeds for stability) "
              f"{t_cluster:.1f} s; c-TF-IDF {t_words:.1f} s; log-odds {t_odds:.1f} s; one layer's probe (5 folds) + "
              f"confident learning {t_probe:.1f} s")


def main() -> None:
    from talkscope.tools.base import ToolContext
    from talkscope.tools.engine.loading import cache_root, load_model
    from talkscope.tools.engine.text.state import TextState

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plain", type=int, default=100, help="texts for the throughput comparison")
    parser.add_argument("--cache", type=Path, default=cache_root() / "texts")
    parser.add_argument("--only", choices=("throughput", "ray", "scale", "demo"), default=None)
    args = parser.parse_args()
    if args.only == "scale":
        at_scale()
        return
    torch.manual_seed(0)
    model = load_model("default", device="cpu")
    state = TextState("tickets", cache_dir=args.cache)
    if args.only in (None, "throughput"):
        throughput(model, state.data.texts[: args.plain])
    if args.only in (None, "ray"):
        ray_overhead(model, state.data.texts[:64])
    if args.only not in (None, "demo"):
        return
    ctx = ToolContext(model_spec="default", out_dir=Path("talkscope-out"), text_state=state)
    ctx._model = model
    t0 = time.perf_counter()
    r = state.readings(model, ctx.progress)
    print(f"reading the whole demo ({len(state.data.texts)} texts, {int(r.tokens.sum())} tokens): "
          f"{time.perf_counter() - t0:.1f} s ({r.from_cache} from the cache)")
    mislabels(ctx)
    tool_times(ctx)


if __name__ == "__main__":
    main()
