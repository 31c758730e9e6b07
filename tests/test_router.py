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
    assert r.clarify is not None and r.confidence < 0.45


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
