"""A local mock of the Slack Web API for the bot's tests (the method of Bolt's own test suite): an HTTP server
on 127.0.0.1 at a free port that answers the methods the bot calls, serves uploaded-file downloads, takes
file uploads and slash-command responses, and records every call. Also: signed event and command requests."""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode

from slack_sdk.signature import SignatureVerifier

BOT_TOKEN = "xoxb-test-token"
SECRET = "test-signing-secret"


class MockSlack:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.files: dict[str, bytes] = {}  # served at /files/<name> to the bot token only
        self.uploads: dict[str, bytes] = {}
        self.fail_once: dict[str, int] = {}  # method -> HTTP status to answer once (e.g. 429)
        self.lock = threading.RLock()  # `wait` holds it while its predicate reads the calls
        self._ts = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ---- what the tests read ---------------------------------------------------------------------
    def of(self, method: str) -> list[dict[str, Any]]:
        with self.lock:
            return [p for m, p in self.calls if m == method]

    def wait(self, predicate: Any, timeout: float = 120.0) -> Any:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                found = predicate()
            if found:
                return found
            time.sleep(0.1)
        raise AssertionError(f"timed out after {timeout} s; calls: {[m for m, _ in self.calls]}")

    def final_texts(self, thread_ts: str) -> list[str]:
        """The text each 'working' message of a thread ended with, in the order they were last updated."""
        working = {p["ts"] for m, p in self.calls if m == "chat.postMessage.ts" and p["thread_ts"] == thread_ts}
        last: dict[str, str] = {}
        for m, p in self.calls:
            if m == "chat.update" and p.get("ts") in working:
                last.pop(p["ts"], None)
                last[p["ts"]] = p["text"]
        return list(last.values())

    # ---- the server ------------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        mock = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                for k, v in (headers or {"Content-Type": "application/json"}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                name = self.path.removeprefix("/files/")
                if self.headers.get("Authorization") != f"Bearer {BOT_TOKEN}" or name not in mock.files:
                    self._send(404, b"not found", {"Content-Type": "text/plain"})
                    return
                self._send(200, mock.files[name], {"Content-Type": "text/csv"})

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/upload/"):
                    mock.uploads[self.path.removeprefix("/upload/")] = raw
                    self._send(200, b"OK", {"Content-Type": "text/plain"})
                    return
                if self.path.startswith("/respond/"):
                    with mock.lock:
                        mock.calls.append(("respond", json.loads(raw or b"{}")))
                    self._send(200, b"ok", {"Content-Type": "text/plain"})
                    return
                method = self.path.removeprefix("/api/")
                params = json.loads(raw) if "json" in (self.headers.get("Content-Type") or "") else \
                    dict(parse_qsl(raw.decode()))
                with mock.lock:
                    status = mock.fail_once.pop(method, None)
                    mock.calls.append((f"{method}!{status}" if status else method, params))
                if status:
                    self._send(status, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1",
                                                                             "Content-Type": "application/json"})
                    return
                self._send(200, mock._answer(method, params))

        return Handler

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "team": "team", "user": "bot",
                    "url": "https://team.example/"}
        if method == "chat.postMessage":
            ts = f"1800000000.{next(self._ts):06d}"
            with self.lock:
                self.calls.append(("chat.postMessage.ts", {"ts": ts, "thread_ts": params.get("thread_ts")}))
            return {"ok": True, "ts": ts, "channel": params.get("channel")}
        if method == "chat.update":
            return {"ok": True, "ts": params.get("ts"), "channel": params.get("channel")}
        if method == "files.getUploadURLExternal":
            fid = f"F{next(self._ts)}"
            return {"ok": True, "upload_url": f"{self.url}/upload/{fid}", "file_id": fid}
        if method == "files.completeUploadExternal":
            files = json.loads(params.get("files", "[]")) if isinstance(params.get("files"), str) else params["files"]
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}
        if method == "files.info":
            return {"ok": True, "file": {"id": params.get("file")}}
        return {"ok": True}


# ---- requests to the bot, signed as Slack signs them ------------------------------------------------
def post(url: str, body: str, content_type: str, timestamp: int | None = None, secret: str = SECRET,
         headers: dict[str, str] | None = None) -> tuple[int, float]:
    """(HTTP status, seconds to the response) of a signed request to the bot's endpoint."""
    ts = str(timestamp if timestamp is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    request = urllib.request.Request(url, data=body.encode(), method="POST", headers={
        "Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature,
        **(headers or {})})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, time.perf_counter() - start
    except urllib.error.HTTPError as err:
        return err.code, time.perf_counter() - start


def event(text: str, ts: str, thread_ts: str | None = None, channel: str = "C1", user: str = "U1",
          kind: str = "app_mention", event_id: str | None = None, files: list[dict] | None = None) -> str:
    ev: dict[str, Any] = {"type": kind, "user": user, "text": text, "ts": ts, "channel": channel, "event_ts": ts}
    if thread_ts:
        ev["thread_ts"] = thread_ts
    if kind == "message":
        ev["channel_type"] = "im"
    if files:
        ev["files"] = files
        ev["subtype"] = "file_share" if kind == "message" else None
    eid = event_id or "Ev" + hashlib.sha1(f"{ts}{text}{channel}".encode()).hexdigest()[:10]
    return json.dumps({"token": "legacy", "team_id": "T1", "api_app_id": "A1", "event": ev, "type": "event_callback",
                       "event_id": eid, "event_time": int(time.time()),
                       "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}]})


def command(text: str, response_url: str, channel: str = "C1", user: str = "U1") -> str:
    return urlencode({"token": "legacy", "team_id": "T1", "channel_id": channel, "user_id": user,
                      "command": "/talkscope", "text": text, "response_url": response_url, "trigger_id": "t1"})
