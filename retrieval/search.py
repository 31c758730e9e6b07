"""Reading the index: top-k passages for a text, and the same index as a LangChain retriever."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from talkscope.retrieval.index import COLLECTION, Manifest, damaged, open_collection


@dataclass(frozen=True)
class Passage:
    source: str
    chunk: int
    text: str
    relevance: float  # cosine similarity of query and chunk embeddings, clipped to [0, 1]
    row: int | None
    start: int  # character span of the chunk in its document (the row's text for CSV/JSONL)
    end: int


def short_source(source: str) -> str:
    """A readable name: demo documents as demo/<path>, files under the working folder relative to it."""
    from talkscope.retrieval.ingest import demo_corpus

    path = Path(source)
    for base, prefix in ((demo_corpus().resolve(), "demo"), (Path.cwd().resolve(), ".")):
        if path.is_relative_to(base):
            return str(Path(prefix) / path.relative_to(base))
    return source


READ_RETRIES = 6  # about 2.5 s for a concurrent writer to commit before a shortfall counts as damage


class DocumentIndex:
    """An index opened for reading; a store with fewer chunks than its manifest records is refused."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.store = open_collection(root, create=False)
        self.collection = self.store.collection
        for attempt in range(READ_RETRIES):
            # a writer replacing a file deletes its old chunks before it commits the new manifest, so a reader
            # may briefly see fewer chunks than the manifest it read; only a lasting shortfall is damage
            self.manifest = Manifest(root)
            if self.collection.count() >= self.manifest.total():
                break
            if attempt == READ_RETRIES - 1:
                raise damaged(root, f"{self.collection.count()} chunks stored, {self.manifest.total()} committed")
            time.sleep(0.5)

    def __len__(self) -> int:
        return self.manifest.total()

    def query(self, text: str, k: int = 5) -> list[Passage]:
        n = min(k, self.collection.count())
        if n == 0:
            return []
        res = self.collection.query(query_texts=[text], n_results=n,
                                    include=["documents", "metadatas", "distances"])
        return [Passage(m["source"], int(m["chunk"]), doc, round(min(1.0, max(0.0, 1.0 - dist)), 4),
                        None if m["row"] < 0 else int(m["row"]), int(m["start"]), int(m["end"]))
                for doc, m, dist in zip(res["documents"][0], res["metadatas"][0], res["distances"][0])]

    def as_retriever(self, k: int = 5) -> Any:
        """The index as a LangChain retriever (langchain-chroma), for people building their own chains."""
        from langchain_chroma import Chroma

        from talkscope.retrieval.adapters import MiniLMLangChainEmbeddings

        store = Chroma(client=self.store.client, collection_name=COLLECTION,
                       embedding_function=MiniLMLangChainEmbeddings())
        return store.as_retriever(search_kwargs={"k": k})
