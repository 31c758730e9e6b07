"""Text datasets without a model: loading and cleaning, keywords, clusters, log-odds, batching, slot reading."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

pd = pytest.importorskip("pandas")

from talkscope.agent import text_slots  # noqa: E402
from talkscope.agent.datasets import open_data  # noqa: E402
from talkscope.agent.session import Session  # noqa: E402
from talkscope.tools.engine.errors import TalkscopeError  # noqa: E402
from talkscope.tools.engine.text import contrast, topics  # noqa: E402
from talkscope.tools.engine.text.collection import MAX_CHARS, is_text_source, load_texts  # noqa: E402
from talkscope.tools.engine.text.reading import batches  # noqa: E402
from talkscope.tools.engine.text.state import TextState  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TICKETS_SHA = "d40e4439b7720dd5111d49e15d195727435c43a65c7e57a812d715e86a071998"


def _csv(tmp_path: Path, rows: list[dict], name: str = "t.csv") -> Path:
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _rows(n: int = 40) -> list[dict]:
    return [{"body": f"message number {i} about {'billing charges' if i % 2 else 'router wifi'} and more words",
             "category": "billing" if i % 2 else "technical", "product": "router" if i % 3 else "kettle"}
            for i in range(n)]


def test_demo_is_frozen_and_documents_its_flipped_labels() -> None:
    data = load_texts("tickets")
    assert len(data.frame) == 2280 and data.label == "label" and len(data.classes) == 6
    meta = json.loads((ROOT / "tools/data/texts/tickets.json").read_text())
    assert len(meta["flipped"]) == 60 and meta["licence"] == "CC0-1.0"
    for f in meta["flipped"]:
        assert data.labels[f["id"]] == f["given"] != f["written_as"]
    digest = hashlib.sha256((ROOT / "tools/data/texts/tickets.jsonl").read_bytes()).hexdigest()
    assert digest == TICKETS_SHA


def test_text_column_is_found_and_the_assumption_said(tmp_path: Path) -> None:
    path = _csv(tmp_path, _rows())
    assert is_text_source(str(path))
    loaded = open_data(str(path))
    assert loaded.texts is not None and loaded.table is None and "text dataset" in loaded.assumed
    assert loaded.texts.data.text == "body" and loaded.texts.data.label == "category"
    table = open_data(str(path), target="category")
    assert table.table is not None and table.texts is None


def test_a_missing_text_column_lists_the_columns(tmp_path: Path) -> None:
    path = _csv(tmp_path, _rows())
    with pytest.raises(TalkscopeError, match="no column 'review'.*body, category, product"):
        load_texts(str(path), text="review")


def test_a_single_label_is_refused(tmp_path: Path) -> None:
    rows = [{**r, "category": "billing"} for r in _rows()]
    with pytest.raises(TalkscopeError, match="single value"):
        load_texts(str(_csv(tmp_path, rows)), text="body", label="category")


def test_empty_binary_and_huge_texts_are_cleaned_with_notes(tmp_path: Path) -> None:
    rows = _rows()
    rows[3]["body"] = ""
    rows[5]["body"] = "\x00\x01\x02\x03" * 50
    rows[7]["body"] = "word " * 250_000  # 1.25 MB in one row
    data = load_texts(str(_csv(tmp_path, rows)), text="body", label="category")
    notes = " ".join(data.notes)
    assert "1 empty texts left out (ids 3)" in notes and "look binary" in notes and "ids 5" in notes
    assert f"longer than {MAX_CHARS:,}" in notes
    assert 3 not in data.ids and 5 not in data.ids and len(data.frame.loc[7, "body"]) == MAX_CHARS
    assert data.position(8) == 6  # ids stay the file's row numbers
    with pytest.raises(TalkscopeError, match="example 3 was left out on loading"):
        data.position(3)


def test_a_csv_with_mixed_encodings_is_read_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    good = "\n".join(f"a perfectly ordinary message number {i},billing" for i in range(12))
    path.write_bytes(b"text,label\n" + good.encode() + "\ncaf\u00e9 cr\u00e8me was too cold,praise\n".encode("latin-1")
                     + "na\u00efve r\u00e9sum\u00e9 in utf-8 here,praise\n".encode())
    data = load_texts(str(path), text="text", label="label")
    assert "café crème" in data.texts[12] and "naïve résumé" in data.texts[13]
    assert any("1 lines of the file are not UTF-8" in n for n in data.notes)


def test_mixed_encodings_are_read(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    for label in ("pos", "neg"):
        (folder / label).mkdir(parents=True)
        for i in range(3):
            (folder / label / f"{i}.txt").write_text(f"a {label} text number {i}, fine enough", encoding="utf-8")
    (folder / "pos" / "latin.txt").write_bytes("caf\xe9 cr\xe8me, tr\xe8s bien".encode("latin-1"))
    data = load_texts(str(folder))
    assert data.label == "label" and sorted(data.classes) == ["neg", "pos"]
    assert any("café crème" in t for t in data.texts)
    assert "1 files are not UTF-8: read as Windows-1252" in data.notes


def test_a_folder_without_texts_says_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(TalkscopeError, match="no .txt files"):
        load_texts(str(tmp_path))


def test_keywords_by_class_tfidf_pick_each_clusters_own_words() -> None:
    texts = ["refund my money please", "I want a refund now", "wifi drops on the router", "router wifi is slow"]
    words = topics.keywords(texts, np.array([0, 0, 1, 1]), 2, top=3)
    assert words[0][0][0] == "refund" and words[1][0][0] in ("router", "wifi")


def test_clusters_are_found_and_stable_on_separated_groups() -> None:
    rng = np.random.default_rng(0)
    centres = np.eye(3, 16)
    x = np.concatenate([c + 0.05 * rng.standard_normal((30, 16)) for c in centres])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    found = topics.cluster(x.astype(np.float32))
    assert found.k == 3 and found.chosen and min(found.stability) > 0.99
    assert sorted(np.bincount(found.labels).tolist()) == [30, 30, 30]


def test_past_the_full_size_k_is_chosen_on_a_sample_with_mini_batch_k_means(monkeypatch) -> None:
    monkeypatch.setattr(topics, "FULL_KMEANS", 60)
    monkeypatch.setattr(topics, "SILHOUETTE_SAMPLE", 50)
    rng = np.random.default_rng(2)
    x = np.concatenate([c + 0.05 * rng.standard_normal((40, 16)) for c in np.eye(4, 16)])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    found = topics.cluster(x.astype(np.float32))
    assert found.k == 4 and min(found.stability) > 0.95
    assert sorted(np.bincount(found.labels).tolist()) == [40, 40, 40, 40]


def test_log_odds_puts_each_groups_words_on_its_side() -> None:
    a = ["refund please", "refund my order", "I want a refund"] * 8
    b = ["the invoice is wrong", "invoice charged twice", "price on the invoice"] * 8
    in_a = np.r_[np.ones(len(a), bool), np.zeros(len(b), bool)]
    words_a, words_b = contrast.log_odds(a + b, in_a, ~in_a)
    assert words_a[0].term == "refund" and words_a[0].z > 1.96
    assert words_b[0].term == "invoice" and words_b[0].z < -1.96


def test_a_description_that_does_not_separate_is_reported() -> None:
    rng = np.random.default_rng(1)
    va, vb = rng.standard_normal((40, 8)), rng.standard_normal((40, 8))
    check = contrast.check_description(rng.standard_normal(8), va, vb)
    assert not check.separates and check.low < 0.5 < check.high


def test_batches_group_by_length_under_the_budget() -> None:
    lengths = [5, 100, 7, 98, 6, 99]
    out = batches(lengths, budget=210)
    assert sorted(i for b in out for i in b) == list(range(6))
    assert all(len(b) * lengths[b[0]] <= 210 for b in out) and out[0][0] == 1


@pytest.fixture(scope="module")
def tickets() -> Session:
    return Session(texts=TextState("tickets").data)


@pytest.mark.parametrize(("tool", "turn", "want"), [
    ("topics", "cluster the tickets into 7 themes", {"k": 7}),
    ("topics", "what are the refund tickets about?", {"filter": "label == 'refund'"}),
    ("surprise", "which tokens of ticket 42 surprise the model?", {"example": 42}),
    ("surprise", "most surprising texts per label, top 3", {"by": "label", "n": 3}),
    ("surprise", "weirdest router messages", {"filter": "product == 'router'"}),
    ("label_check", "is the label linearly decodable?", {"part": "decodable"}),
    ("label_check", "show 20 likely mislabeled examples", {"part": "mislabels", "n": 20}),
    ("contrast_groups", "how do refund tickets differ from billing?", {"group_a": "refund", "group_b": "billing"}),
    ("contrast_groups", "what sets cluster 2 apart from kettle messages", {"group_a": "cluster 2",
                                                                          "group_b": "product == 'kettle'"}),
    ("contrast_groups", "and praise against the rest?", {"group_a": "praise", "group_b": "the rest"}),
    ("surprise", "which of the 2,280 texts are the oddest? list 4", {"n": 4}),
    ("surprise", "which of these 500 messages are odd?", {}),
])
def test_slots_read_the_collections_words(tickets: Session, tool: str, turn: str, want: dict) -> None:
    from talkscope.tools.base import get_tool

    args = text_slots.fill(tool, turn, tickets, list(get_tool(tool).inputs))
    assert {k: v for k, v in args.items() if v is not None} == want


def test_coded_label_values_are_read_only_next_to_their_name(tmp_path: Path) -> None:
    rows = [{"review": f"a review that is long enough to be free text, number {i}", "stars": str(1 + i % 5)}
            for i in range(60)]
    session = Session(texts=load_texts(str(_csv(tmp_path, rows)), text="review", label="stars"))
    names = ["k", "filter"]
    assert text_slots.fill("topics", "cluster the reviews into 5 topics", session, names) == {"k": 5, "filter": None}
    assert text_slots.fill("topics", "topics of the 5 stars reviews", session, names)["filter"] == "stars == '5'"


def test_a_follow_up_changes_what_it_names() -> None:
    from talkscope.agent.text_router import follow_up

    before = {"example": 12, "by": None, "filter": None, "n": None}
    assert follow_up("surprise", before, {"by": "label"}) == {"example": None, "by": "label", "filter": None,
                                                              "n": None}
    assert follow_up("contrast_groups", {"group_a": "refund", "group_b": "billing"}, {"group_a": "praise"}) == \
        {"group_a": "praise", "group_b": "billing"}
