"""The router for the tools built so far: intent, slots, session, clarifying questions."""

from __future__ import annotations

from talkscope.agent.session import Session


def test_generate_questions_route_with_the_quoted_prompt(router):
    for turn in ['What does the model say after "The capital of France is"?',
                 'Complete "Once upon a time"',
                 "How does the model continue 'Water boils at'?"]:
        r = router.route(turn)
        assert r.clarify is None, turn
        assert r.calls[0].tool == "generate", turn
        assert r.calls[0].args["prompt"] in {"The capital of France is", "Once upon a time", "Water boils at"}
        assert set(r.calls[0].args) == {"prompt", "max_new_tokens"}


def test_token_count_is_read(router):
    r = router.route('Continue "Once upon a time" for 30 tokens')
    assert r.calls[0].args == {"prompt": "Once upon a time", "max_new_tokens": 30}


def test_help_routes(router):
    for turn in ["What can you do?", "help", "Which tools are there?"]:
        assert router.route(turn).calls[0].tool == "help", turn


def test_missing_prompt_asks_and_session_supplies_it(router):
    r = router.route("What does the model say next?")
    assert r.clarify and "prompt" in r.clarify
    session = Session()
    first = router.route('Complete "The sky is"', session)
    session.remember(first.calls)
    again = router.route("What does it say?", session)
    assert again.clarify is None and again.calls[0].args["prompt"] == "The sky is"


def test_out_of_scope_turn_gets_a_clarifying_question(router):
    r = router.route("Book me a table for two at an Italian restaurant tonight")
    assert r.clarify is not None and r.confidence < 0.45
