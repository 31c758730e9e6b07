"""The Slack bot end to end, offline: the real `talkscope slack --http` process on the real model, Slack's Web
API mocked by a local HTTP server on 127.0.0.1 (`slack_mock.py`), signed events and commands sent to the bot's
own endpoint. Nothing beyond 127.0.0.1 is contacted."""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import TALKSCOPE

pytest.importorskip("slack_bolt")
from slack_mock import BOT_TOKEN, SECRET, MockSlack, command, event, post  # noqa: E402

pytestmark = pytest.mark.slow
JSON, FORM = "application/json", "application/x-www-form-urlencoded"


class Bot:
    """`talkscope slack --http` in a subprocess, pointed at the mock."""

    def __init__(self, mock: MockSlack, tmp: Path, **env: str) -> None:
        environ = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET,
                   "SLACK_API_URL": mock.url + "/api/", "TALKSCOPE_SLACK_PER_USER_PER_MINUTE": "200", **env}
        environ.pop("SLACK_APP_TOKEN", None)
        (tmp / "index").mkdir(exist_ok=True)  # an empty team index: --index must name a folder that exists
        self.proc = subprocess.Popen([TALKSCOPE, "slack", "--http", "--port", "0", "--index", str(tmp / "index"),
                                      "--out", str(tmp / "out")], env=environ, stderr=subprocess.PIPE, text=True)
        self.log: list[str] = []
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.log.append(line)
            m = re.search(r"listening on (http://\S+/slack/events)", line)
            if m:
                self.url = m.group(1)
                self._drain = threading.Thread(target=self._read, daemon=True)  # a full pipe would block the bot
                self._drain.start()
                return
        self.close()
        raise AssertionError("the bot did not start: " + "".join(self.log))

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.log.append(line)

    def close(self) -> str:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        time.sleep(0.2)
        log = "".join(self.log)
        print(log)  # shown when a test fails
        return log


@pytest.fixture(scope="module")
def slack(tmp_path_factory):
    mock = MockSlack()
    bot = Bot(mock, tmp_path_factory.mktemp("bot"), TALKSCOPE_SLACK_QUEUE="32")
    yield mock, bot
    stderr = bot.close()
    mock.close()
    assert BOT_TOKEN not in stderr and SECRET not in stderr, "a secret reached the bot's log"
    assert "Traceback" not in stderr, stderr


def ask(mock: MockSlack, bot: Bot, text: str, ts: str, thread_ts: str | None = None, **kw) -> str:
    """Mention the bot and wait for the answer in the thread; returns the answer's text."""
    root = thread_ts or ts
    before = len(mock.final_texts(root))
    status, _ = post(bot.url, event(f"<@UBOT> {text}", ts, thread_ts, **kw), JSON)
    assert status == 200
    return mock.wait(lambda: [t for t in mock.final_texts(root)[before:] if not t.startswith("Working")])[-1]


def test_a_mention_is_answered_in_its_thread_with_citations_and_uncertainty(slack):
    mock, bot = slack
    answer = ask(mock, bot, 'What does the model say after "The capital of France is"?', "1700000001.000100")
    assert 'After "The capital of France is" the model continues with' in answer and "[E1]" in answer
    assert "*Uncertainty:*" in answer and "• `[E1]` generate ·" in answer
    working = [p for p in mock.of("chat.postMessage") if p.get("thread_ts") == "1700000001.000100"]
    assert working and working[0]["text"].startswith("Working on it")


def test_a_follow_up_in_the_thread_uses_the_earlier_turn_and_its_figure_is_uploaded(slack):
    mock, bot = slack
    root = "1700000002.000100"
    ask(mock, bot, 'Complete "The Eiffel Tower is in" for 3 tokens', root)
    answer = ask(mock, bot, 'Why "Paris"? Use occlusion.', "1700000002.000200", thread_ts=root)
    assert "Occlusion (leave one token out) puts the largest share" in answer and "[E1]" in answer
    assert "figure `attr-001.png`" in answer and "/tmp" not in answer
    done = mock.wait(lambda: [p for p in mock.of("files.completeUploadExternal") if p.get("thread_ts") == root])
    assert done and mock.uploads and any(v.startswith(b"\x89PNG") for v in mock.uploads.values())


def test_a_direct_message_is_answered(slack):
    mock, bot = slack
    status, _ = post(bot.url, event('Complete "Once upon a time" for 2 tokens', "1700000003.000100", channel="D1",
                                    kind="message"), JSON)
    assert status == 200
    answer = mock.wait(lambda: mock.final_texts("1700000003.000100") and
                       not mock.final_texts("1700000003.000100")[-1].startswith("Working") and
                       mock.final_texts("1700000003.000100"))[-1]
    assert 'After "Once upon a time"' in answer


def test_slash_commands_help_status_json_and_reset(slack):
    mock, bot = slack
    ask(mock, bot, 'Complete "Two plus two is" for 2 tokens', "1700000004.000100", user="U4")
    for word, needle in [("help", "follow up in the thread"), ("status", "turn(s) waiting"),
                         ("json", "reply.json"), ("reset", "Forgotten"), ("reset", "no conversation of yours")]:
        status, seconds = post(bot.url, command(word, mock.url + "/respond/1", user="U4"), FORM)
        assert status == 200 and seconds < 3
        reply = mock.wait(lambda: [p for m, p in mock.calls if m == "respond"])[-1]  # noqa: B023
        mock.calls.remove(("respond", reply))
        assert needle in reply["text"], (word, reply)
    snippets = [v for v in mock.uploads.values() if v.startswith(b"{")]
    assert any(json.loads(s)["question"] == 'Complete "Two plus two is" for 2 tokens' for s in snippets)


def test_bad_signatures_and_stale_requests_are_refused(slack):
    mock, bot = slack
    body = event('Complete "Hi"', "1700000005.000100")
    assert post(bot.url, body, JSON, secret="wrong-secret")[0] == 401
    assert post(bot.url, body, JSON, timestamp=int(time.time()) - 600)[0] == 401
    time.sleep(1)
    assert not [p for p in mock.of("chat.postMessage") if p.get("thread_ts") == "1700000005.000100"]


def test_a_retried_event_is_answered_once(slack):
    mock, bot = slack
    body = event('Complete "Retries are" for 2 tokens', "1700000006.000100", event_id="EvRetry1")
    assert post(bot.url, body, JSON)[0] == 200
    assert post(bot.url, body, JSON, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})[0] \
        == 200
    mock.wait(lambda: [t for t in mock.final_texts("1700000006.000100") if "Retries are" in t])
    time.sleep(1)
    assert len([p for p in mock.of("chat.postMessage") if p.get("thread_ts") == "1700000006.000100"]) == 1


def test_a_path_is_refused_and_an_uploaded_csv_is_probed(slack, tmp_path):
    mock, bot = slack
    answer = ask(mock, bot, 'Probe the dataset "/etc/passwd" at layer 2', "1700000007.000100")
    assert "I could not run probe" in answer and "can't read 'passwd'" in answer and "/etc" not in answer
    animals = ["cat", "dog", "horse", "cow", "sheep", "goat", "duck", "hen", "pig", "fox", "wolf", "bear"]
    tools = ["hammer", "saw", "drill", "wrench", "chisel", "spade", "rake", "axe", "file", "clamp", "level", "plane"]
    rows = [f"I saw a {w} {x}.,animal,{w}" for w in animals for x in ("today", "there")]
    rows += [f"I saw a {w} {x}.,tool,{w}" for w in tools for x in ("today", "there")]
    mock.files["labels.csv"] = ("text,label,group\n" + "\n".join(rows) + "\n").encode()
    info = {"id": "F9", "name": "labels.csv", "size": len(mock.files["labels.csv"]),
            "url_private_download": mock.url + "/files/labels.csv"}
    answer = ask(mock, bot, 'Probe the dataset "labels.csv" at layer 3', "1700000008.000100", files=[info])
    assert "A linear probe separates labels.csv best at layer 3 of 18" in answer and "held-out groups" in answer


def test_twenty_mentions_in_five_threads_are_answered_once_in_order(slack):
    mock, bot = slack
    roots = [f"17000001{t:02d}.000100" for t in range(5)]

    def thread(t: int) -> list[float]:
        acks = []
        for i in range(4):
            ts = roots[t] if i == 0 else f"17000001{t:02d}.00{i + 1}000"
            body = event(f'<@UBOT> Complete "Thread {t} turn {i}" for 1 tokens', ts,
                         None if i == 0 else roots[t], user=f"U{t}")
            status, seconds = post(bot.url, body, JSON)
            assert status == 200
            acks.append(seconds)
        return acks

    with ThreadPoolExecutor(5) as pool:
        acks = [s for ss in pool.map(thread, range(5)) for s in ss]
    assert max(acks) < 3.0, f"an ack took {max(acks):.2f} s"
    for t, root in enumerate(roots):
        texts = mock.wait(lambda r=root: len([x for x in mock.final_texts(r) if "turn" in x]) == 4 and
                          mock.final_texts(r), timeout=300)
        order = [int(re.search(r"turn (\d)", x).group(1)) for x in texts if re.search(r"turn (\d)", x)]
        assert order == [0, 1, 2, 3], (t, texts)


def test_a_full_queue_is_answered_busy(tmp_path):
    mock = MockSlack()
    bot = Bot(mock, tmp_path, TALKSCOPE_SLACK_QUEUE="1")
    try:
        roots = [f"1700000300.00{i}100" for i in range(4)]
        for i, root in enumerate(roots):  # one long turn, then more than the queue holds
            tokens = 200 if i == 0 else 2
            assert post(bot.url, event(f'<@UBOT> Complete "Busy {i}" for {tokens} tokens', root), JSON)[0] == 200
        finals = mock.wait(lambda: all(mock.final_texts(r) and not mock.final_texts(r)[-1].startswith("Working")
                                       for r in roots) and [mock.final_texts(r)[-1] for r in roots], timeout=300)
        assert any("I'm busy with other questions" in f for f in finals), finals
        assert 'After "Busy 0"' in finals[0]
    finally:
        bot.close()
        mock.close()


def test_socket_mode_wires_the_same_listeners(monkeypatch):
    """No network: the Socket Mode handler gets the app whose listeners feed the service."""
    from slack_bolt.request import BoltRequest

    from talkscope.agent.slack.app import build_app, socket_mode, web_client
    from talkscope.agent.slack.config import load_config

    mock = MockSlack()
    try:
        config = load_config(http=False, environ={"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xapp-1-test",
                                                  "SLACK_API_URL": mock.url + "/api/"})
        seen = []

        class Recorder:  # stands in for the service: this test is about wiring, not answering
            latest: dict = {}

            def __init__(self, poster):
                self.poster = poster

            def submit(self, turn):
                seen.append(turn)
                return "queued"

        app, service = build_app(config, Recorder, web_client(config))
        handler = socket_mode(app, config)
        assert handler.app is app and handler.app_token == "xapp-1-test"
        body = json.loads(event("<@UBOT> help me", "1700000400.000100"))
        app.dispatch(BoltRequest(body=body, mode="socket_mode"))
        deadline = time.monotonic() + 10
        while not seen and time.monotonic() < deadline:
            time.sleep(0.05)
        assert seen and seen[0].text == "help me" and seen[0].thread_ts == "1700000400.000100"
    finally:
        mock.close()


def test_missing_and_malformed_tokens_are_one_line_errors():
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    for extra, needle in [({}, "SLACK_BOT_TOKEN is not set"),
                          ({"SLACK_BOT_TOKEN": "abc", "SLACK_SIGNING_SECRET": "s"}, "should start with xoxb-"),
                          ({"SLACK_BOT_TOKEN": BOT_TOKEN}, "set SLACK_APP_TOKEN")]:
        proc = subprocess.run([TALKSCOPE, "slack", "--http", "--port", "0"], env={**env, **extra},
                              capture_output=True, text=True, timeout=120)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 2 and len(lines) == 1 and needle in lines[0], proc.stderr
        assert "abc" not in proc.stderr


def test_a_rate_limited_web_api_call_is_retried_after_retry_after(slack):
    mock, bot = slack
    mock.fail_once["chat.update"] = 429
    answer = ask(mock, bot, 'Complete "Slow down" for 2 tokens', "1700000009.000100")
    assert 'After "Slow down"' in answer
    (refused,) = mock.of("chat.update!429")  # answered 429 with Retry-After ...
    assert refused in mock.of("chat.update")  # ... and sent again, the same update, after it
