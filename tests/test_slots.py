"""Slot filling without a model: quoted spans get roles from the words around them, readers parse layers,
unquoted look-ups and prompts, misspelt names are recognised, and the intent head's arithmetic matches the
library it replaces. Every rule here is data or a function the router runs; each is tested on its own."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talkscope.agent.intent import NGRAMS, char_features, data_hash, training_set
from talkscope.agent.readers import closest_word, read_claim, read_layers, read_unquoted_prompt
from talkscope.agent.routes import load_specs
from talkscope.agent.slots import assign, blank_quotes, quoted_spans
from talkscope.tools.base import list_tools, parse_int_list

SPECS = load_specs(list_tools(), "model")  # the default router's tools


def roles(tool: str, turn: str, context: str | None = None) -> dict[str, str]:
    return assign(SPECS[tool].slots, turn, context)


@pytest.mark.parametrize("turn, want", [
    ('Why did the model say "Paris" after "The capital of France is"?',
     {"prompt": "The capital of France is", "target": "Paris"}),
    ('Which tokens in "The capital of France is" made the model predict "Paris"?',
     {"prompt": "The capital of France is", "target": "Paris"}),
    ('Attribute "Rome" as the next word of "The Colosseum is in"', {"prompt": "The Colosseum is in", "target": "Rome"}),
    ('Use occlusion to explain why "John gave the book to Mary. Then Mary gave it back to" leads to "John"',
     {"prompt": "John gave the book to Mary. Then Mary gave it back to", "target": "John"}),
    ('Why "Paris" rather than "Lyon" after "The capital of France is"?',
     {"prompt": "The capital of France is", "target": "Paris", "contrast": "Lyon"}),
    ("As opposed to 'she', why does it predict \"he\" in “The engineer said that”?",
     {"prompt": "The engineer said that", "target": "he", "contrast": "she"}),
])
def test_attribution_spans_take_their_roles_from_the_words_around_them(turn, want):
    assert roles("attribution", turn) == want


@pytest.mark.parametrize("turn, concept", [
    ('Is "formality" present at layer 6?', "formality"),  # not tense: "present" is an everyday word here
    ('Probe "sentiment" in English sentences', "sentiment"),
    ('Probe "data/labels.csv" for the past tense', "data/labels.csv"),
    ('Is "Norway" decodable by a probe for sentiment?', "Norway"),  # unclear: the probe says Norway is no concept
])
def test_quoted_text_fills_the_concept_before_words_outside_the_quotes(turn, concept):
    assert roles("probe", turn) == {"concept": concept}


def test_a_token_is_the_span_found_inside_the_prompt_whatever_its_position():
    assert roles("patchscope", 'What does the model hold at "Paris" inside "I love Paris in spring"?') == {
        "prompt": "I love Paris in spring", "token": "Paris"}
    assert roles("patchscope", 'Inside "I love Paris in spring", what is at "Paris"?') == {
        "prompt": "I love Paris in spring", "token": "Paris"}
    assert roles("logit_lens", 'and at the token "Tower"?', "The Eiffel Tower is in") == {"token": "Tower"}


def test_a_short_span_in_a_follow_up_is_a_new_target_not_a_new_prompt():
    assert roles("attribution", 'and for "Kyoto"?', "The capital of Japan is") == {"target": "Kyoto"}
    assert roles("attribution", 'The prompt is "Knock knock. Who is there?"', "Hi") == {
        "prompt": "Knock knock. Who is there?"}


def test_a_target_prompt_holds_the_placeholder_x():
    got = roles("patchscope", 'Run a custom patchscope on "Linux" in "Linux runs servers" with "x was created by"')
    assert got == {"prompt": "Linux runs servers", "token": "Linux", "target_prompt": "x was created by"}


def test_quotes_hold_apostrophes_and_blanking_keeps_positions():
    turn = "\"Tokyo\" — which tokens of 'Japan's capital is' matter?"
    assert [s.text for s in quoted_spans(turn)] == ["Tokyo", "Japan's capital is"]
    blank = blank_quotes(turn)
    assert len(blank) == len(turn) and "capital" not in blank and blank.endswith("matter?")


@pytest.mark.parametrize("text, want", [
    ("logit lens, L4, for it", 4), ("L2–L6 please", [2, 3, 4, 5, 6]), ("the ninth layer", 9),
    ("between layer 12 and layer 15", [12, 13, 14, 15]), ("layer 4 and layer 13", [4, 13]),
    ("the 4th layer", 4), ("wat does layr 6 say", 6), ("layers 3, 9 and 15", [3, 9, 15]),
    ("layers two to four", [2, 3, 4]), ("from the first layer to the last", None), ("all layers please", None),
    ("across layers 3 to 6", [3, 4, 5, 6]), ("the layer-3 representation", 3), ("block 10", 10),
])
def test_layers_are_read_however_they_are_named(text, want):
    found = read_layers(text, text)
    assert found is not None and parse_int_list(found) == want


def test_no_layer_is_read_where_none_is_named():
    assert read_layers("What does the model say after X?", "What does the model say after X?") is None


@pytest.mark.parametrize("turn, want", [
    ("Anything in my files about the Suez Canal?", "the Suez Canal"),
    ("Do any of my files say that bees sleep?", "bees sleep"),
    ("look up photosynthesis in my corpus", "photosynthesis"),
    ("Is there anything on bees in my notes?", "bees"),
    ("Find me a citation for the claim that sleep consolidates memory", "sleep consolidates memory"),
    ("Any sources for that?", None), ("Is that supported by the documents?", None), ("find sources", None),
])
def test_unquoted_look_ups_are_the_claim_and_nothing_around_it(turn, want):
    assert read_claim(turn, blank_quotes(turn)) == want


def test_unquoted_prompts_are_read_only_when_introduced():
    names = SPECS["logit_lens"].names
    quoted = 'run the logit lens on "Hi there" for the prompt The capital of Egypt is'
    assert read_unquoted_prompt(quoted, blank_quotes(quoted), names) is None  # a quoted prompt is read by patterns
    turn = "run the logit lens on The capital of Egypt is"
    assert read_unquoted_prompt(turn, turn, names) == "The capital of Egypt is"
    turn = "layer by layer predictions for the prompt my name is"
    assert read_unquoted_prompt(turn, turn, names) == "my name is"
    for turn in ("logit lens for layers 5 to 7", "run the logit lens on it", "which input tokens drove that?"):
        assert read_unquoted_prompt(turn, turn, names) is None, turn


def test_misspelt_method_names_are_recognised_and_near_words_are_not():
    slot = SPECS["attribution"].slots["method"]
    for typo, want in [("integrated gradiants on it", "integrated_gradients"), ("occlsion map", "occlusion"),
                       ("salincy for", "saliency"), ("imput x gradeint", "input_x_gradient")]:
        assert slot.canonical(closest_word(typo, slot.values)) == want
    assert closest_word("the position of the word", slot.values) is None


def test_character_features_equal_scikit_learns_vectorizer():
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = ["Why did it  say X?", "IG heatmap for X please", "logit-lens, layer N!", "a", "Ünïcode wörds", "why why"]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True).fit(docs)
    texts = ["why why why did it", "IG for X", "zzz", ""]
    mine = char_features(texts, vectorizer.vocabulary_, vectorizer.idf_)
    assert np.abs(vectorizer.transform(texts).toarray() - mine).max() < 1e-12


def test_the_packaged_intent_head_was_fitted_on_the_data_in_the_repository():
    from importlib.resources import files

    from talkscope.agent.intent import PACKAGED, IntentHead

    with files("talkscope.agent").joinpath(PACKAGED).open("rb") as f:
        head = IntentHead.read(f)
    assert head.digest == data_hash(training_set(SPECS)), "route data changed: run python -m talkscope.agent.intent"
    rows = training_set(SPECS)
    per_tool = {name: sum(r.label == name for r in rows) for name in SPECS}
    assert min(per_tool.values()) >= 150, per_tool
    assert len(head.memory) == len(rows) and 0.2 <= head.threshold <= 0.9


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gets_roles_and_readers_without_an_error(turn):
    for tool in ("attribution", "patchscope", "sources", "probe"):
        got = roles(tool, turn)
        assert all(isinstance(v, str) for v in got.values())
    read_layers(turn, blank_quotes(turn))
    read_claim(turn, blank_quotes(turn))
