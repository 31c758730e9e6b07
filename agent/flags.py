"""Command-line values checked when a command starts, whatever the question.

A question that needs no model (`talkscope ask hi --model /nowhere`) would otherwise never look at a bad flag,
and one that does would fail half-way through an answer. Each check raises `TalkscopeError` (one line on
stderr, exit 2 in `cli.main`) saying what to give instead; none of them loads weights or builds anything.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.specs import resolve_spec


def check_model(spec: str | None, flag: str = "--model") -> None:
    resolve_spec(spec, flag)


def check_device(device: str | None) -> None:
    if device is None:
        return
    from talkscope.tools.engine.loading import pick_device

    pick_device(device)


def check_index(path: Path | None, must_exist: bool = True) -> None:
    """An index that a question reads must exist; one that `talkscope index` writes may be new."""
    if path is None:
        return
    path = path.expanduser()
    if path.exists() and not path.is_dir():
        raise TalkscopeError(f"--index {path} is a file, not an index folder: give a folder")
    if not path.exists():
        if must_exist:
            raise TalkscopeError(f"--index {path}: no document index there: build one with "
                                 f"`talkscope index FILES --index {path}`, or leave out --index for the demo index")
        _writable_parent(path, "--index")
    elif not os.access(path, os.R_OK | os.X_OK):
        raise TalkscopeError(f"--index {path} is not readable by this user: fix its permissions")


def check_out_dir(path: Path) -> None:
    """Figures go here; the folder is made on first use, so only its nearest existing parent must be writable."""
    path = path.expanduser()
    if path.exists():
        if not path.is_dir():
            raise TalkscopeError(f"--out {path} is a file: give a folder for figures")
        if not os.access(path, os.W_OK | os.X_OK):
            raise TalkscopeError(f"--out {path} is not writable by this user: give another folder")
        return
    _writable_parent(path, "--out")


def check_file(path: Path | None, flag: str, what: str) -> None:
    if path is None:
        return
    path = path.expanduser()
    if not path.is_file():
        raise TalkscopeError(f"{flag} {path}: no such file: give {what}")
    if not os.access(path, os.R_OK):
        raise TalkscopeError(f"{flag} {path} is not readable by this user: fix its permissions")


def llm_router_factory(spec: str | None) -> Callable[[], Any] | None:
    """MODULE:FUNCTION, imported now so that a typo is caught before the model loads."""
    if spec is None:
        return None
    module, sep, func = spec.partition(":")
    if not (sep and module and func):
        raise TalkscopeError(f"--llm-router {spec!r}: give MODULE:FUNCTION, e.g. mypackage.llms:chat_model")
    try:
        factory = getattr(importlib.import_module(module), func)
    except (ImportError, AttributeError, ValueError) as err:
        raise TalkscopeError(f"--llm-router {spec}: cannot import it ({err}); give MODULE:FUNCTION") from err
    if not callable(factory):
        raise TalkscopeError(f"--llm-router {spec}: {func} is not callable; give a function returning a chat model")
    return factory


def _writable_parent(path: Path, flag: str) -> None:
    parent = next((p for p in path.absolute().parents if p.exists()), None)
    if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise TalkscopeError(f"{flag} {path} cannot be created ({parent} is not a writable folder): "
                             "give another folder")
