"""The per-example model work of a text dataset on Ray (`--ray ADDRESS`, the `talkscope[scale]` extra): Ray Data's
`map_batches` with one model per actor (a GPU per actor where the cluster has them). The driver keeps the cache:
each finished batch comes back and is written as a shard, exactly as the local path writes it, so a run
interrupted on the cluster resumes from the driver's cache, and the local and Ray paths give the same numbers
(`tests/test_text_tools.py::test_ray_gives_the_local_numbers`, on CPU actors; GPU actors read in bf16, and their
readings are cached under their own key). docs/scale.md lays out a 10-million-text run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.model import ModelAdapter

INSTALL = "pip install 'talkscope[scale]'"


class Reader:
    """A Ray actor: loads the model once, then reads batches of texts (`reading.compute_rows`)."""

    def __init__(self, spec: str, device: str | None) -> None:
        from talkscope.tools.engine.loading import load_model

        self.model = load_model(spec, device=device)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        from talkscope.tools.engine.text.reading import compute_rows

        rows = compute_rows(self.model, [str(t) for t in batch["text"]])
        return {"i": batch["i"], **rows}


def model_spec(model: ModelAdapter) -> str:
    """What an actor passes to `load_model` to load the same model."""
    return "default" if model.source.startswith("pypi:") else model.source


def connect(address: str, num_cpus: int | None = None) -> Any:
    try:
        import ray
    except ImportError as err:
        raise TalkscopeError(f"--ray needs Ray: {INSTALL}") from err
    if not ray.is_initialized():
        env = {k: v for k, v in os.environ.items() if k.startswith(("TALKSCOPE_", "HF_"))}
        kwargs: dict[str, Any] = {"runtime_env": {"env_vars": env}, "include_dashboard": False,
                                  "log_to_driver": False, "ignore_reinit_error": True, "logging_level": "ERROR"}
        try:
            if address == "local":
                ray.init(num_cpus=num_cpus, **kwargs)
            else:
                ray.init(address=address, **kwargs)
        except (ConnectionError, RuntimeError, ValueError) as err:
            raise TalkscopeError(f"--ray {address}: could not connect ({str(err).splitlines()[0][:160]}); give "
                                 "'local' to start a local instance, or the address of a running cluster") from err
    return ray


def ray_runner(address: str, actors: int | None = None, batch_size: int = 256,
               num_cpus: int | None = None) -> Callable[..., None]:
    """A runner for `reading.read_examples`: the texts go to `actors` model actors (default: one per GPU of the
    cluster, else one per two CPUs), each batch comes back to be saved by the driver."""
    ray = connect(address, num_cpus)  # fails now (exit 2) rather than at the first question
    on_gpus = int(ray.cluster_resources().get("GPU", 0)) > 0

    def run(model: ModelAdapter, texts: list[str], keys: list[str], save: Callable[..., None],
            advance: Callable[[int], None]) -> None:
        ray = connect(address, num_cpus)
        resources = ray.cluster_resources()
        gpus = int(resources.get("GPU", 0))
        n = actors or max(1, gpus or int(resources.get("CPU", 2)) // 2)
        ray.data.DataContext.get_current().enable_progress_bars = False  # talkscope's own bar counts the texts
        ds = ray.data.from_items([{"i": i, "text": t} for i, t in enumerate(texts)])
        out = ds.map_batches(Reader, fn_constructor_args=(model_spec(model), "cuda" if gpus else "cpu"),
                             batch_size=batch_size, compute=ray.data.ActorPoolStrategy(size=n),
                             num_gpus=1 if gpus else 0, num_cpus=0 if gpus else 1, batch_format="numpy")
        for batch in out.iter_batches(batch_size=None, batch_format="numpy"):
            idx = [int(i) for i in batch["i"]]
            save([keys[i] for i in idx], {"surprisal": np.asarray(batch["surprisal"], dtype=np.float32),
                                          "tokens": np.asarray(batch["tokens"], dtype=np.int32),
                                          "states": np.stack(list(batch["states"])).astype(np.float16)})
            advance(len(idx))

    run.reader = "|ray cuda bf16" if on_gpus else ""  # type: ignore[attr-defined]  (GPU readings: their own keys)
    return run
