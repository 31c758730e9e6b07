"""The bot's work, apart from Slack's protocol: one talkscope session per Slack thread, a bounded queue of
turns served by a fixed number of workers, turns of one thread in order, one lock around the model, limits
per user, and duplicate events answered once. The Bolt listeners (`app.py`) only hand turns in.

A `Poster` is what the service needs of Slack (post, update, upload); the app gives it one backed by the
Web API client, the tests a real one against a local mock of the Web API.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import shutil
import tempfile
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from talkscope.agent.core import Agent
from talkscope.agent.reply import Reply
from talkscope.agent.session import Router
from talkscope.agent.slack.config import SlackConfig
from talkscope.agent.slack.format import clean, reply_text, split
from talkscope.tools.base import ToolContext
from talkscope.tools.engine.drawing import wait_for_figures
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.paths import PathPolicy

log = logging.getLogger("talkscope.slack")
SEEN_EVENTS = 10_000  # event ids remembered, so Slack's retries are answered once
WORKING = "Working on it… :hourglass_flowing_sand:"
BUSY = "I'm busy with other questions right now, so I did not take this one; please ask again in a minute."
LIMITED = "You're asking faster than I can answer ({n} questions a minute); please wait a moment and ask again."
DENIED = "talkscope is not enabled for this workspace, channel or user; ask the admin who runs the bot."
OOPS = "Sorry, something went wrong on my side while answering; the admin can find the details in the bot's log."

Key = tuple[str, str, str]  # (team, channel, thread root ts)


class Poster(Protocol):
    def post(self, channel: str, thread_ts: str, text: str) -> str: ...

    def update(self, channel: str, ts: str, text: str) -> None: ...

    def upload(self, channel: str, thread_ts: str, path: Path | None = None, content: str | None = None,
               filename: str = "", title: str = "") -> None: ...


@dataclass
class Turn:
    team: str
    channel: str
    thread_ts: str  # the thread's root (the message itself when it starts a thread)
    user: str
    text: str
    event_id: str | None = None
    files: list[dict[str, Any]] = field(default_factory=list)

    @property
    def key(self) -> Key:
        return (self.team, self.channel, self.thread_ts)


@dataclass
class ThreadSession:
    agent: Agent
    folder: Path  # figures and uploaded files of this thread; deleted with the session
    last_reply: Reply | None = None
    last_used: float = field(default_factory=time.monotonic)
    next_ticket: int = 0  # turns are numbered as they arrive ...
    serving: int = 0  # ... and served in that order
    finished: set[int] = field(default_factory=set)  # answered or refused, possibly ahead of `serving`
    waiting: dict[int, Any] = field(default_factory=dict)  # jobs taken from the queue before their turn came
    turn_done: threading.Condition = field(default_factory=threading.Condition)


Job = tuple[ThreadSession, Turn, str, int]  # session, turn, its "working" message, ticket


class Service:
    def __init__(self, config: SlackConfig, ctx: ToolContext, router: Router, poster: Poster,
                 download: Callable[[dict[str, Any], Path], Path] | None = None) -> None:
        self.config, self.ctx, self.router, self.poster, self.download = config, ctx, router, poster, download
        # A job carries its session itself: looked up again, a session evicted meanwhile would come back new,
        # with its turn numbering reset. The queue's bound (config.queue_size) is kept by `submit`, so that a
        # waiting turn can always be queued again.
        self.queue: queue.Queue[Job | None] = queue.Queue()
        self.sessions: OrderedDict[Key, ThreadSession] = OrderedDict()
        self.latest: dict[tuple[str, str, str], Key] = {}  # (team, channel, user) -> their latest thread
        self.model_lock = threading.Lock()  # one model: tool hooks of two turns must never interleave
        self._lock = threading.Lock()  # sessions, events, rates
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._asked: dict[str, deque[float]] = {}
        self._root = Path(tempfile.mkdtemp(prefix="talkscope-slack-"))
        self._workers = [threading.Thread(target=self._serve, daemon=True, name=f"talkscope-worker-{i}")
                         for i in range(config.workers)]

    # ---- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        for w in self._workers:
            w.start()

    def stop(self) -> None:
        for _ in self._workers:
            self.queue.put(None)
        for w in self._workers:
            w.join(timeout=30)
        shutil.rmtree(self._root, ignore_errors=True)

    # ---- turns -----------------------------------------------------------------------------------
    def submit(self, turn: Turn) -> str:
        """Take a turn from a listener (after the ack): 'queued', or why not ('duplicate', 'denied', 'limited',
        'busy', 'file'). Never blocks on the model."""
        if not self._first_time(turn.event_id):
            return "duplicate"
        if not self._allowed(turn):
            self.poster.post(turn.channel, turn.thread_ts, DENIED)
            return "denied"
        if turn.files:
            self._take_files(turn)
            if not turn.text.strip():
                return "file"
        if not self._within_rate(turn.user):
            self.poster.post(turn.channel, turn.thread_ts, LIMITED.format(n=self.config.per_user_per_minute))
            return "limited"
        session = self.session(turn.key)
        with self._lock:  # turns are numbered as they arrive: a thread's answers come in that order
            self.latest[(turn.team, turn.channel, turn.user)] = turn.key
            ticket = session.next_ticket
            session.next_ticket += 1
        working = self.poster.post(turn.channel, turn.thread_ts, WORKING)
        with self._lock:
            busy = self.queue.qsize() >= self.config.queue_size
            if not busy:
                self.queue.put_nowait((session, turn, working, ticket))
        if busy:
            self._requeue(self._finish(session, ticket))
            self.poster.update(turn.channel, working, BUSY)
            return "busy"
        return "queued"

    def _serve(self) -> None:
        """Take jobs in queue order. A job whose thread has an earlier turn still unanswered waits beside the
        session (a slow "working" post can queue a later turn first) and is run when that turn finishes; a
        worker never blocks on a turn queued behind the job it holds."""
        while (job := self.queue.get()) is not None:
            session, _, _, ticket = job
            with session.turn_done:
                if session.serving != ticket:
                    session.waiting[ticket] = job
                    continue
            while job is not None:
                job = self._run(job)

    def _run(self, job: Job) -> Job | None:
        """Answer one turn; the thread's next turn if it is already waiting."""
        session, turn, working, ticket = job
        try:
            self._answer(session, turn, working)
        except Exception:  # a bug: logged with its traceback here, an apology in Slack
            log.exception("answering %s failed", turn.key)
            self.poster.update(turn.channel, working, OOPS)
        return self._finish(session, ticket)

    def _finish(self, session: ThreadSession, ticket: int) -> Job | None:
        """Mark a turn finished (answered or refused); the thread's next turn, if it waits already."""
        with session.turn_done:
            session.finished.add(ticket)
            while session.serving in session.finished:
                session.finished.discard(session.serving)
                session.serving += 1
            return session.waiting.pop(session.serving, None)

    def _requeue(self, job: Job | None) -> None:
        if job is not None:
            self.queue.put_nowait(job)

    def _answer(self, session: ThreadSession, turn: Turn, working: str) -> None:
        session.agent.ctx.on_progress = self._progress_updater(turn.channel, working)
        with self.model_lock:
            try:
                reply = session.agent.ask(turn.text)
            except TalkscopeError as err:
                self.poster.update(turn.channel, working, f"Sorry: {clean(str(err))}")
                return
        session.last_reply = reply
        pieces = split(reply_text(reply))
        self.poster.update(turn.channel, working, pieces[0])
        for piece in pieces[1:]:
            self.poster.post(turn.channel, turn.thread_ts, piece)
        wait_for_figures()  # drawn in the background while the answer was posted
        for e in reply.evidence:
            if e.figure and Path(e.figure).is_file():
                self.poster.upload(turn.channel, turn.thread_ts, path=Path(e.figure), filename=Path(e.figure).name,
                                   title=f"[{e.id}] {e.tool}")

    def _progress_updater(self, channel: str, working: str) -> Callable[[str, int, int], None]:
        last = [0.0]

        def update(what: str, done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= self.config.progress_every_s and done < total:
                last[0] = now
                self.poster.update(channel, working, f"Working on it… {clean(what)} {done}/{total}")
        return update

    # ---- sessions --------------------------------------------------------------------------------
    def session(self, key: Key) -> ThreadSession:
        """The thread's session (created on first use); idle ones expire and the oldest go past the bound."""
        with self._lock:
            now = time.monotonic()
            for old in [k for k, s in self.sessions.items() if now - s.last_used > self.config.session_idle_s]:
                self._drop(old)
            if key not in self.sessions:
                while len(self.sessions) >= self.config.max_sessions:
                    self._drop(next(iter(self.sessions)))
                folder = Path(tempfile.mkdtemp(prefix="thread-", dir=self._root))
                ctx = dataclasses.replace(self.ctx, out_dir=folder / "figures",
                                          paths=PathPolicy(self.config.allowed_dirs, {}))
                self.sessions[key] = ThreadSession(Agent(ctx, router=self.router), folder)
            session = self.sessions[key]
            session.last_used = now
            self.sessions.move_to_end(key)
            return session

    def _drop(self, key: Key) -> None:
        session = self.sessions.pop(key)
        shutil.rmtree(session.folder, ignore_errors=True)

    def reset(self, key: Key) -> bool:
        with self._lock:
            if key in self.sessions:
                self._drop(key)
                return True
        return False

    # ---- files -----------------------------------------------------------------------------------
    def _take_files(self, turn: Turn) -> None:
        """Download files uploaded into the thread (size-capped, type-checked) and let its turns name them."""
        session = self.session(turn.key)
        for info in turn.files:
            name = Path(str(info.get("name", "upload"))).name
            try:
                if self.download is None:
                    raise TalkscopeError("file uploads are not enabled on this bot")
                path = self.download(info, session.folder / "uploads")
            except TalkscopeError as err:
                self.poster.post(turn.channel, turn.thread_ts, f"I could not take {clean(name)}: {clean(str(err))}")
                continue
            session.agent.ctx.paths.uploads[name] = path
            if not turn.text.strip():
                example = f"“Probe the dataset \"{clean(name)}\"”"
                self.poster.post(turn.channel, turn.thread_ts, f"Got {clean(name)}. Ask about it, e.g. {example}.")

    # ---- limits ----------------------------------------------------------------------------------
    def _first_time(self, event_id: str | None) -> bool:
        if event_id is None:
            return True
        with self._lock:
            if event_id in self._seen:
                return False
            self._seen[event_id] = None
            while len(self._seen) > SEEN_EVENTS:
                self._seen.popitem(last=False)
            return True

    def _allowed(self, turn: Turn) -> bool:
        c = self.config
        return all(not allowed or value in allowed for allowed, value in
                   ((c.allowed_teams, turn.team), (c.allowed_channels, turn.channel), (c.allowed_users, turn.user)))

    def _within_rate(self, user: str) -> bool:
        with self._lock:
            now = time.monotonic()
            asked = self._asked.setdefault(user, deque())
            while asked and now - asked[0] > 60:
                asked.popleft()
            if len(asked) >= self.config.per_user_per_minute:
                return False
            asked.append(now)
            return True

    # ---- slash command ---------------------------------------------------------------------------
    def status(self) -> str:
        info = self.ctx.model.describe() if self.ctx.model_loaded else {"name": self.ctx.model_spec, "layers": "?"}
        return (f"talkscope on {info['name']} ({info['layers']} layers) · {self.queue.qsize()} turn(s) waiting "
                f"(at most {self.config.queue_size}) · {len(self.sessions)} thread session(s)")
