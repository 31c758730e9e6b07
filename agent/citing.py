"""Passages from the `sources` tool as citable sources ([S1], [S2] ...) and the sentences that cite them."""

from __future__ import annotations

import re

from talkscope.agent.phrasing import templates
from talkscope.agent.reply import EvidenceItem, SourceItem

MAX_CITED_IN_TEXT = 3
QUOTE_CHARS = 140


def quote(passage: str, query: str) -> str:
    """The passage sentence sharing most words with the query, shortened to a quotable length."""
    words = set(re.findall(r"\w+", query.lower()))
    sents = [s.strip(" #") for s in re.split(r"(?<=[.!?])\s+|\n+", passage) if s.strip(" #")]
    best = max(sents, key=lambda s: len(words & set(re.findall(r"\w+", s.lower()))), default="")
    return best if len(best) <= QUOTE_CHARS else best[: QUOTE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def source_items(evidence: list[EvidenceItem]) -> dict[str, list[SourceItem]]:
    """Citable passages (at or above the relevance floor) per evidence id, numbered across the reply."""
    from talkscope.retrieval.search import short_source

    out: dict[str, list[SourceItem]] = {}
    n = 0
    for e in evidence:
        if e.tool != "sources" or "error" in e.data:
            continue
        items = []
        for p in e.data["passages"][: e.data["cited"]]:
            n += 1
            row = f" row {p['row']}" if p.get("row") else ""
            items.append(SourceItem(f"S{n}", short_source(p["source"]) + row, p["chunk"], p["text"], p["relevance"]))
        out[e.id] = items
    return out


def sources_text(item: EvidenceItem, cited: list[SourceItem]) -> str:
    t, d = templates(), item.data
    ph = t["phrases"]
    if not cited:
        best = max(d["passages"], key=lambda p: p["relevance"], default=None)
        if best is None:
            return f"The index at {d['index']} is empty [{item.id}]."
        from talkscope.retrieval.search import short_source

        return t["answers"]["sources_none"].format(path=short_source(best["source"]), rel=best["relevance"],
                                                   threshold=d["threshold"], id=item.id)
    if d["answer"] is not None:
        head = t["answers"]["sources_answer"].format(prompt=d["prompt"], answer=d["answer"], id=item.id)
    else:
        head = t["answers"]["sources_query"].format(query=d["query"], n=d["n_chunks"], id=item.id)
    parts = [head]
    for s, p in list(zip(cited, d["passages"]))[:MAX_CITED_IN_TEXT]:
        verdict = ph["verdicts"][p["verdict"] or "query"]
        parts.append(ph["passage"].format(path=s.source, verdict=verdict, quote=quote(p["text"], d["query"]),
                                          rel=p["relevance"], sid=s.id))
    if d["answer"] is not None:
        parts.append(ph["sources_check"])
    return " ".join(parts)
