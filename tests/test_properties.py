"""Property tests: random strings and argument objects never raise anything but talkscope's own error."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talkscope.tools.base import list_tools
from talkscope.tools.engine.errors import TalkscopeError

TOOLS = list_tools()
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)
QUOTED = st.lists(st.sampled_from(['"', "'", "\u201c", "\u201d", "layer", " 5 ", "France", "Paris", " in ",
                                   "the", "after", "probe", "why", "?", "\u200b", "\u202e", "🤔", "-3", "99"]),
                  max_size=25).map("".join)


def _argument_objects(tool):
    keys = st.sampled_from(sorted(tool.inputs) or ["x"]) | st.text(max_size=6)
    return st.dictionaries(keys, JSON, max_size=5)


@pytest.mark.parametrize("tool", TOOLS, ids=[t.name for t in TOOLS])
def test_argument_normalisation_raises_only_talkscope_errors(tool):
    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(args=_argument_objects(tool))
    def check(args):
        try:
            clean = tool.normalize_args(args)
        except TalkscopeError:
            return
        assert set(clean) == set(tool.inputs)

    check()


@pytest.mark.slow
def test_the_router_never_raises_on_random_turns(router):
    from talkscope.agent.session import Session

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(turns=st.lists(TEXT | QUOTED, min_size=1, max_size=3))
    def check(turns):
        session = Session()
        for turn in turns:
            try:
                route = router.route(turn, session)
            except TalkscopeError:
                continue
            session.record(route)
            assert 0.0 <= route.confidence <= 1.0
            assert all(c.tool in {t.name for t in TOOLS} for c in route.calls)

    check()
