"""The router for the tools built so far: intent, slots, session, clarifying questions."""

from __future__ import annotations

import pytest

from talkscope.agent.session import Session


@pytest.mark.slow
def test_generate_questions_route_with_the_quoted_prompt(router):
    for turn in ['What does the model say after "The capital of France is"?',
                 'Complete "Once upon a time"',
                 "How does the model continue 'Water boils at'?"]:
        r = router.route(turn)
        assert r.clarify is None, turn
        assert r.calls[0].tool == "generate", turn
        assert r.calls[0].args["prompt"] in {"The capital of France is", "Once upon a time", "Water boils at"}
        assert set(r.calls[0].args) == {"prompt", "max_new_tokens"}


@pytest.mark.slow
def test_token_count_is_read(router):
    r = router.route('Continue "Once upon a time" for 30 tokens')
    assert r.calls[0].args == {"prompt": "Once upon a time", "max_new_tokens": 30}


@pytest.mark.slow
def test_help_routes(router):
    for turn in ["What can you do?", "help", "Which tools are there?"]:
        assert router.route(turn).calls[0].tool == "help", turn


@pytest.mark.slow
def test_missing_prompt_asks_and_session_supplies_it(router):
    r = router.route("What does the model say next?")
    assert r.clarify and "prompt" in r.clarify
    session = Session()
    first = router.route('Complete "The sky is"', session)
    session.remember(first.calls)
    again = router.route("What does it say?", session)
    assert again.clarify is None and again.calls[0].args["prompt"] == "The sky is"


@pytest.mark.slow
def test_out_of_scope_turn_gets_a_clarifying_question(router):
    r = router.route("Book me a table for two at an Italian restaurant tonight")
    assert r.clarify is not None and not r.calls and r.confidence < router.head.threshold


@pytest.mark.slow
def test_attribution_reads_prompt_target_contrast_and_method(router):
    r = router.route('Why did the model say "Paris" after "The capital of France is"?')
    assert r.calls[0].to_json() == {"tool": "attribution", "args": {
        "prompt": "The capital of France is", "target": "Paris", "method": None, "contrast": None}}
    r = router.route('Why "Paris" rather than "Lyon" after "The capital of France is"? Use leave-one-out.')
    assert r.calls[0].args == {"prompt": "The capital of France is", "target": "Paris", "method": "occlusion",
                               "contrast": "Lyon"}


@pytest.mark.slow
def test_follow_ups_keep_what_the_turn_does_not_change(router):
    session = Session()
    turns = ['Why did the model say "Paris" after "The capital of France is"?', "Now with IG", 'Why not "Lyon"?']
    routed = []
    for turn in turns:
        r = router.route(turn, session)
        session.remember(r.calls)
        routed.append(r.calls[0].args)
    assert routed[1]["method"] == "integrated_gradients" and routed[1]["target"] == "Paris"
    assert routed[2] == {"prompt": "The capital of France is", "target": "Paris", "method": "integrated_gradients",
                         "contrast": "Lyon"}


@pytest.mark.slow
def test_why_after_generate_explains_the_same_prompt(router):
    session = Session()
    first = router.route('What does the model say after "Hello there"?', session)
    session.remember(first.calls)
    why = router.route("Why?", session)
    assert why.clarify is None and why.calls[0].tool == "attribution"
    assert why.calls[0].args["prompt"] == "Hello there" and why.calls[0].args["target"] is None


@pytest.mark.slow
def test_patchscope_and_logit_lens_slots(router):
    r = router.route('What does layer 4 encode at "France" in "The capital of France is"?')
    assert r.calls[0].tool == "patchscope"
    assert r.calls[0].args["token"] == "France" and r.calls[0].args["layer"] == 4
    assert r.calls[0].args["prompt"] == "The capital of France is"
    r = router.route('Run the logit lens on "The capital of France is" at layers 2, 5 and 8')
    assert r.calls[0].tool == "logit_lens" and r.calls[0].args["layer"] == [2, 5, 8]
    r = router.route('What does the logit lens show for "The capital of France is" in layers 1 through 4?')
    assert r.calls[0].args["layer"] == [1, 2, 3, 4]
    r = router.route('What does the logit lens show for "The capital of France is" at every layer?')
    assert r.calls[0].args["layer"] is None


@pytest.mark.slow
@pytest.mark.parametrize("turn, concept", [
    ("Which layer best separates true statements from false ones?", "factuality"),
    ("Where does the model encode singular versus plural?", "number"),
    ("Is past tense linearly decodable?", "tense"),
    ("Does the model represent sentiment, and where?", "sentiment"),
])
def test_probe_concepts_and_synonyms(router, turn, concept):
    r = router.route(turn)
    assert r.clarify is None and r.calls[0].tool == "probe"
    assert r.calls[0].args == {"concept": concept, "layer": None, "pooling": None}


@pytest.mark.slow
def test_mean_pooling_is_read_and_a_new_concept_starts_afresh(router):
    session = Session()
    first = router.route("Is tense linearly decodable with mean pooling?", session)
    assert first.calls[0].args == {"concept": "tense", "layer": None, "pooling": "mean"}
    session.remember(first.calls)
    second = router.route("Does the model represent sentiment, and where?", session)
    assert second.calls[0].args == {"concept": "sentiment", "layer": None, "pooling": None}


@pytest.mark.slow
def test_quoted_spans_are_read_by_role_and_unquoted_look_ups_by_their_words(router):
    r = router.route('What does the model hold at "Paris" inside "I love Paris in spring"?')
    assert r.calls[0].to_json()["args"] | {} == {"prompt": "I love Paris in spring", "token": "Paris", "layer": None,
                                                  "kind": None, "relation": None, "target_prompt": None}
    r = router.route('Attribute "Rome" as the next word of "The Colosseum is in"')
    assert (r.calls[0].tool, r.calls[0].args["prompt"], r.calls[0].args["target"]) == (
        "attribution", "The Colosseum is in", "Rome")
    r = router.route("Anything in my files about the Suez Canal?")
    assert r.clarify is None and r.calls[0].to_json() == {"tool": "sources", "args": {
        "query": "the Suez Canal", "prompt": None}}


@pytest.mark.slow
def test_follow_ups_change_only_what_they_name_and_carry_what_they_point_at(router):
    session = Session()
    for turn in ['patchscope "Paris" in "I love Paris in spring" at layer 5', "what about the ninth layer?"]:
        r = router.route(turn, session)
        session.record(r)
    assert r.calls[0].args | {} == {"prompt": "I love Paris in spring", "token": "Paris", "layer": 9, "kind": None,
                                    "relation": None, "target_prompt": None}
    r = router.route("logit lens on that token, same layers", session)
    assert r.calls[0].to_json() == {"tool": "logit_lens", "args": {
        "prompt": "I love Paris in spring", "token": "Paris", "layer": 9}}
    session = Session()
    for turn in ["Probe tense at layer 6 with mean pooling", "same for sentiment"]:
        r = router.route(turn, session)
        session.record(r)
    assert r.calls[0].args == {"concept": "sentiment", "layer": 6, "pooling": "mean"}


@pytest.mark.slow
def test_two_asks_in_one_turn_are_two_calls_and_one_ask_with_a_modifier_is_one(router):
    r = router.route('logit lens on "The capital of Egypt is"; then attribution with IG')
    assert [(c.tool, c.args["prompt"]) for c in r.calls] == [("logit_lens", "The capital of Egypt is"),
                                                             ("attribution", "The capital of Egypt is")]
    assert r.calls[1].args["method"] == "integrated_gradients"
    r = router.route('saliency and integrated gradients for "The senator was"')
    assert [c.args["method"] for c in r.calls] == ["saliency", "integrated_gradients"]
    r = router.route('What does the model say after "Once upon a time"? Use 40 tokens.')
    assert [c.to_json() for c in r.calls] == [{"tool": "generate", "args": {"prompt": "Once upon a time",
                                                                            "max_new_tokens": 40}}]


@pytest.mark.slow
@pytest.mark.parametrize("turn", [
    "x" * 10_000, "What does the model say after \"" + "la " * 3000 + "\"?", "\x00\x01\x02\ufffd\x7f" * 50,
    "?!.,;:" * 20, "", "   ", 'What does "the model say after "Hi', "Что модель говорит после \"Bonjour 世界\"?",
    "layers " + ", ".join(str(i) for i in range(500)), '"a" "b" "c" "d" "e" "f" "g" "h"',
])
def test_bad_input_is_routed_or_declined_quickly_without_an_error(router, turn):
    import time

    start = time.perf_counter()
    r = router.route(turn, Session())
    assert time.perf_counter() - start < 2.0, f"{len(turn)} characters took too long"
    assert r.clarify is not None or all(c.tool in router.specs for c in r.calls)
