"""`--data`: a table or a text dataset, told apart by the flags given, else by the columns (and said which)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from talkscope.tools.engine.errors import TalkscopeError


@dataclass
class Loaded:
    table: Any = None  # TableState
    texts: Any = None  # TextState
    assumed: str | None = None  # why it was read as a text dataset or a table, when no flag said so


def open_data(data: str | None, target: str | None = None, text: str | None = None, label: str | None = None,
              model_file: Path | None = None, trust: bool = False, ray: str | None = None) -> Loaded:
    """Read and check `--data` now (a bad file or column is exit 2); models are fitted on first use."""
    if data is None:
        for flag, value in (("--target", target), ("--model-file", model_file), ("--text", text),
                            ("--label", label), ("--ray", ray)):
            if value:
                raise TalkscopeError(f"{flag} goes with --data FILE: give the data too")
        return Loaded()
    from talkscope.tools.engine.loading import cache_root
    from talkscope.tools.engine.text.collection import DEMOS, is_text_source

    textual = text is not None or label is not None or ray is not None
    tabular = target is not None or model_file is not None
    if textual and tabular:
        raise TalkscopeError("--text, --label and --ray read a text dataset, --target and --model-file a table: "
                             "give one kind")
    assumed = None
    if not textual and not tabular:
        textual = is_text_source(data)
        assumed = "a text dataset (one column of free text; give --target COLUMN to read it as a table)" \
            if textual and data not in DEMOS else None
    if textual:
        from talkscope.tools.engine.text.state import TextState

        runner = None
        if ray is not None:
            from talkscope.tools.engine.text.scale import ray_runner

            runner = ray_runner(ray)
        state = TextState(data, text, label, cache_root() / "texts", runner)
        _ = state.data
        return Loaded(texts=state, assumed=assumed)
    from talkscope.tools.engine.table.state import TableState

    table = TableState(data, target, model_file, trust, cache_root() / "tables")
    _ = table.table
    if model_file is not None:
        table.fitted()
    return Loaded(table=table)


def overview_lines(loaded: Loaded) -> list[str]:
    """What was loaded, on one screen."""
    if loaded.texts is not None:
        from talkscope.tools.engine.text.collection import overview

        lines = overview(loaded.texts.data)
        return lines + ([f"  read as {loaded.assumed}"] if loaded.assumed else [])
    if loaded.table is not None:
        from talkscope.tools.engine.table.state import overview as table_overview

        return table_overview(loaded.table.table)
    return []
