"""The Slack bot's service without Slack or a model: limits, duplicates, allow-lists, the queue bound,
session expiry and eviction, turn order bookkeeping, and how replies are written for Slack."""

from __future__ import annotations

import dataclasses
import threading
import time

import samples

from talkscope.agent.compose import compose
from talkscope.agent.session import Call, Route
from talkscope.agent.slack.config import load_config
from talkscope.agent.slack.format import escape, redact, reply_text, split
from talkscope.agent.slack.service import BUSY, DENIED, LIMITED, Service, Turn
from talkscope.tools.base import ToolContext

ENV = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}


class Recorder:
    """A Poster that keeps what would have been sent to Slack."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def post(self, channel, thread_ts, text):
        self.sent.append(("post", thread_ts, text))
        return f"ts{len(self.sent)}"

    def update(self, channel, ts, text):
        self.sent.append(("update", ts, text))

    def upload(self, channel, thread_ts, path=None, content=None, filename="", title=""):
        self.sent.append(("upload", thread_ts, filename))


class NoRouter:
    """No turn is answered here (the workers are not started), so nothing is routed."""

    def route(self, turn, session=None):
        raise AssertionError("not routed in these tests")

    def suggestions(self, tool):
        return []


def service(tmp_path, **env) -> tuple[Service, Recorder]:
    config = load_config(http=True, environ={**ENV, **env})
    poster = Recorder()
    return Service(config, ToolContext(out_dir=tmp_path), router=NoRouter(), poster=poster), poster


def turn(text="Complete \"Hi\"", thread="1.1", user="U1", event_id=None, channel="C1") -> Turn:
    return Turn("T1", channel, thread, user, text, event_id)


def test_duplicates_limits_and_allow_lists(tmp_path):
    svc, poster = service(tmp_path, TALKSCOPE_SLACK_PER_USER_PER_MINUTE="2", SLACK_ALLOWED_CHANNELS="C1")
    assert svc.submit(turn(event_id="Ev1")) == "queued" and svc.submit(turn(event_id="Ev1")) == "duplicate"
    assert svc.submit(turn()) == "queued" and svc.submit(turn()) == "limited"
    assert ("post", "1.1", LIMITED.format(n=2)) in poster.sent
    assert svc.submit(turn(user="U2", channel="C9")) == "denied" and ("post", "1.1", DENIED) in poster.sent


def test_a_full_queue_is_answered_busy_and_keeps_the_thread_order(tmp_path):
    svc, poster = service(tmp_path, TALKSCOPE_SLACK_QUEUE="1")
    assert svc.submit(turn(thread="2.1")) == "queued"
    assert svc.submit(turn(thread="2.1")) == "busy"
    assert poster.sent[-1] == ("update", "ts2", BUSY)  # its own "working" message says so
    session = svc.session(("T1", "C1", "2.1"))
    assert (session.next_ticket, session.serving, session.finished) == (2, 0, {1})  # ticket 0 still first
    svc._finish(session, 0)
    assert session.serving == 2 and not session.finished


def test_a_thread_is_answered_in_arrival_order_however_slow_a_post_is(tmp_path):
    """The first turn's "working" post is slow and the second turn is queued first. The one worker must
    neither answer the second first nor wait forever on the first, which is queued behind it."""
    svc, poster = service(tmp_path)
    release, entered = threading.Event(), threading.Event()
    post, answered = poster.post, []

    def slow_first_post(channel, thread_ts, text):
        if not entered.is_set():
            entered.set()
            release.wait(10)
        return post(channel, thread_ts, text)

    poster.post = slow_first_post
    svc._answer = lambda session, turn, working: answered.append(turn.text)  # no model here: record the order
    svc.start()
    try:
        first = threading.Thread(target=svc.submit, args=(turn(text="first", thread="3.1"),))
        first.start()
        assert entered.wait(10)
        assert svc.submit(turn(text="second", thread="3.1")) == "queued"
        time.sleep(0.3)  # the worker takes the second turn now, and must set it aside
        release.set()
        first.join(10)
        deadline = time.monotonic() + 10
        while len(answered) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert answered == ["first", "second"]
    finally:
        svc.stop()


def test_sessions_expire_and_are_bounded(tmp_path):
    svc, _ = service(tmp_path, TALKSCOPE_SLACK_MAX_SESSIONS="2")
    first = svc.session(("T1", "C1", "a"))
    svc.session(("T1", "C1", "b"))
    svc.session(("T1", "C1", "c"))
    assert list(svc.sessions) == [("T1", "C1", "b"), ("T1", "C1", "c")] and not first.folder.exists()
    svc.config = dataclasses.replace(svc.config, session_idle_s=1e-9)
    svc.session(("T1", "C1", "d"))
    assert list(svc.sessions) == [("T1", "C1", "d")]
    assert svc.reset(("T1", "C1", "d")) and not svc.sessions


def test_each_thread_gets_its_own_context_sharing_one_model_slot(tmp_path):
    svc, _ = service(tmp_path)
    a, b = svc.session(("T1", "C1", "a")), svc.session(("T1", "C1", "b"))
    assert a.agent.ctx is not b.agent.ctx and a.agent.ctx.out_dir != b.agent.ctx.out_dir
    a.agent.ctx.paths.uploads["x.csv"] = tmp_path / "x.csv"
    assert "x.csv" not in b.agent.ctx.paths.uploads


def test_replies_are_escaped_redacted_and_split_for_slack():
    assert escape("a <b> & c") == "a &lt;b&gt; &amp; c"
    assert redact("no file at /home/ana/data/x.csv with xoxb-123-abc") == "no file at x.csv with [token]"
    rep = compose("q", Route([Call("sources", {})], 0.9), [samples.result("sources", samples.sources(),
                                                                          figure="/srv/out/attr-001.png")], {}, [])
    text = reply_text(rep)
    assert text.startswith('The model answers "The capital of France is" with "Paris" [E1].')
    assert "*Uncertainty:*" in text and "• `[E1]` sources ·" in text and "figure `attr-001.png`" in text
    assert "/srv" not in text and "• `[S1]` docs" not in text  # sources show short names, never server paths
    pieces = split("line one\n" + "word " * 2000, limit=500)
    assert all(len(p) <= 500 for p in pieces) and "".join(pieces).count("word") == 2000


def test_a_queued_turn_keeps_its_session_when_the_thread_is_evicted(tmp_path):
    svc, _ = service(tmp_path, TALKSCOPE_SLACK_MAX_SESSIONS="1")
    assert svc.submit(turn(thread="3.1")) == "queued"
    session = svc.sessions[("T1", "C1", "3.1")]
    svc.session(("T1", "C1", "3.2"))  # evicts thread 3.1 while its turn waits
    queued_session, queued_turn, _, ticket = svc.queue.queue[0]
    assert queued_session is session and queued_turn.thread_ts == "3.1" and session.serving == ticket == 0
