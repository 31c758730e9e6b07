"""Text datasets, measured in one run on the demo `tickets`:

1. the model's reading (surprisal + hidden states) against a plain transformers loop over the same texts (one
   text at a time, full logits): the same surprisals to 1e-4, and the throughput of each in tokens/s;
2. mislabel detection against the 60 documented flipped labels: precision and recall at the top-k that
   `label_check` reports, against random ranking and a loss ranking (bag-of-words logistic regression,
   cross-validated, ranked by the loss of the given label);
3. the time of each tool on the whole demo set (the model's reading cached after its first pass).

    python -m benchmarks.dataset_text [--plain 100] [--cache DIR]
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
    ids = reading.encode_all(model, texts)
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
          f"{d['ci_high'][b]:.3f}]; bag of words {d['lexical']:.3f}; majority {d['majority']:.3f}")
    z = result.data["zero_shot"]
    print(f"  zero-shot agreement {z['agreement']:.3f}, calibrated {z['calibrated_agreement']:.3f}, "
          f"chance {z['chance']:.3f}")
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


def main() -> None:
    from talkscope.tools.base import ToolContext
    from talkscope.tools.engine.loading import cache_root, load_model
    from talkscope.tools.engine.text.state import TextState

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plain", type=int, default=100, help="texts for the throughput comparison")
    parser.add_argument("--cache", type=Path, default=cache_root() / "texts")
    args = parser.parse_args()
    torch.manual_seed(0)
    model = load_model("default", device="cpu")
    state = TextState("tickets", cache_dir=args.cache)
    throughput(model, state.data.texts[: args.plain])
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
