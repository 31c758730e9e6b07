"""Routing accuracy on conversations about a table (`tests/data/router_{dev,blind}_tab.jsonl`), each turn read in
its conversation with the demo table loaded. A call matches when the tool and every argument match, where
conditions match when they select the same rows (the model's predictions computed for the `prediction`
pseudo-column), edits and instances when they set the same values, and describing the target matches
describing no column. Prints aggregates only (blind sets stay blind), beside TalkToModel's published exact
match for scale (diabetes, T5-large: 75.8% overall, 84.4% IID, 46.5% compositional; Slack et al. 2023).

    .venv/bin/python -m benchmarks.router_tables tests/data/router_blind_tab.jsonl
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.common import machine
from talkscope.agent.router import Router
from talkscope.agent.session import Session
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.loading import cache_root
from talkscope.tools.engine.table import edits
from talkscope.tools.engine.table.state import TableState


class Judge:
    """Compares a routed call with a gold call on one table."""

    def __init__(self, state: TableState) -> None:
        self.state = state

    def rows(self, text: str | None) -> tuple[int, ...] | None:
        try:
            return tuple(self.state.select(text).ids)
        except TalkscopeError:
            return None

    def edits(self, text: str | None, shift: bool) -> Any:
        if text is None:
            return None
        try:
            return sorted((e.column, e.op, str(e.value)) for e in edits.parse(text, self.state.table.schema, shift))
        except TalkscopeError:
            return ("unreadable", text)

    def same(self, got: dict[str, Any], gold: dict[str, Any]) -> bool:
        if got["tool"] != gold["tool"]:
            return False
        target = self.state.table.target
        for key, want in gold["args"].items():
            have = got["args"].get(key)
            if key == "filter":
                if self.rows(have) != self.rows(want) or self.rows(want) is None:
                    return False
            elif key in ("change", "instance"):
                if self.edits(have, key == "change") != self.edits(want, key == "change"):
                    return False
            elif key == "feature" and gold["tool"] == "describe":
                if (None if have == target else have) != (None if want == target else want):
                    return False
            elif key == "immutable":
                if sorted(have or []) != sorted(want or []):
                    return False
            elif have != want:
                return False
        return True


def score(router: Router, path: Path) -> dict[str, list[int]]:
    stats: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    judges: dict[str, Judge] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        conv = json.loads(line)
        if conv["data"] not in judges:
            judges[conv["data"]] = Judge(TableState(conv["data"], cache_dir=cache_root() / "tables"))
        judge = judges[conv["data"]]
        session = Session(table=judge.state.table.schema)
        for turn in conv["turns"]:
            route = router.route(turn["say"], session)
            got = None if route.clarify or not route.calls else [c.to_json() for c in route.calls]
            gold = turn["calls"]
            ok = got == gold if gold is None or got is None else (
                len(got) == len(gold) and all(judge.same(a, b) for a, b in zip(got, gold)))
            tools = [c["tool"] for c in gold] if gold else ["(none)"]
            for key in ["overall", f"kind: {turn['kind']}", f"data: {conv['data']}", *(f"tool: {t}" for t in tools)]:
                stats[key][0] += ok
                stats[key][1] += 1
            session.record(route)
    return stats


def main() -> None:
    paths = [Path(p) for p in sys.argv[1:]] or [Path("tests/data/router_dev_tab.jsonl")]
    router = Router()
    print(f"# table router · {machine()}")
    for path in paths:
        stats = score(router, path)
        print(f"\n## {path.name}\n\n| slice | exact match | turns |\n|---|---|---|")
        for key, (k, n) in sorted(stats.items(), key=lambda kv: (kv[0] != "overall", kv[0])):
            print(f"| {key} | {k / n:.3f} | {n} |")


if __name__ == "__main__":
    main()
