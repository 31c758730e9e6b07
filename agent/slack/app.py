"""Bolt wiring: each listener is a small function that turns a Slack payload into a `Turn` and hands it to the
service (Bolt acknowledges events before the listener runs; the slash command acks first). Socket Mode when
an app token is configured, else HTTP through Bolt's WSGI adapter on a threaded stdlib server."""

from __future__ import annotations

import html
import json
import logging
import re
from pathlib import Path
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from talkscope.agent.slack.config import SlackConfig
from talkscope.agent.slack.format import clean
from talkscope.agent.slack.service import Service, Turn

log = logging.getLogger("talkscope.slack")
MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
HELP = ("Ask me about the model in plain words, e.g. “What does the model say after \"The capital of France is\"?” "
        "or “Why \"Paris\"?”; follow up in the thread. `/talkscope help | reset | json | status`.")


class WebPoster:
    """The service's view of Slack, through the Web API client (429s retried by slack_sdk's handler)."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def post(self, channel: str, thread_ts: str, text: str) -> str:
        return str(self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text, mrkdwn=True)["ts"])

    def update(self, channel: str, ts: str, text: str) -> None:
        self.client.chat_update(channel=channel, ts=ts, text=text)

    def upload(self, channel: str, thread_ts: str, path: Path | None = None, content: str | None = None,
               filename: str = "", title: str = "") -> None:
        self.client.files_upload_v2(channel=channel, thread_ts=thread_ts, file=str(path) if path else None,
                                    content=content, filename=filename, title=title)


def web_client(config: SlackConfig) -> WebClient:
    client = WebClient(token=config.bot_token, base_url=config.api_url)
    client.retry_handlers.extend([RateLimitErrorRetryHandler(max_retry_count=3), ConnectionErrorRetryHandler()])
    return client


def question_of(event: dict[str, Any]) -> str:
    """The text of a message without the bot's mention, with Slack's entities decoded."""
    return html.unescape(MENTION.sub("", event.get("text") or "")).strip()


def turn_of(event: dict[str, Any], body: dict[str, Any]) -> Turn:
    return Turn(team=str(body.get("team_id") or event.get("team") or ""), channel=str(event.get("channel")),
                thread_ts=str(event.get("thread_ts") or event.get("ts")), user=str(event.get("user") or ""),
                text=question_of(event), event_id=body.get("event_id"), files=list(event.get("files") or []))


def build_app(config: SlackConfig, service_factory: Any, client: WebClient | None = None) -> tuple[App, Service]:
    """The Bolt app with talkscope's listeners, and the service they feed. `service_factory(poster)` makes the
    service (the CLI builds it with the loaded model)."""
    client = client or web_client(config)
    app = App(client=client, signing_secret=config.signing_secret, process_before_response=False,
              request_verification_enabled=config.app_token is None, logger=log)
    service: Service = service_factory(WebPoster(client))

    @app.event("app_mention")
    def on_mention(event: dict[str, Any], body: dict[str, Any]) -> None:
        service.submit(turn_of(event, body))

    @app.event("message")
    def on_message(event: dict[str, Any], body: dict[str, Any]) -> None:
        """Direct messages (channel messages reach the bot as mentions, files included)."""
        if event.get("channel_type") == "im" and not event.get("bot_id") and \
                event.get("subtype") in (None, "file_share"):
            service.submit(turn_of(event, body))

    @app.command("/talkscope")
    def on_command(ack: Any, command: dict[str, Any], respond: Any) -> None:
        ack()
        respond(slash(service, command))

    return app, service


def slash(service: Service, command: dict[str, Any]) -> str:
    """`/talkscope help | reset | json | status`, about the user's latest thread in this channel."""
    word = (command.get("text") or "help").strip().split(" ")[0].lower()
    key = service.latest.get((command.get("team_id", ""), command.get("channel_id", ""), command.get("user_id", "")))
    if word == "status":
        return service.status()
    if word == "reset":
        if key is None or not service.reset(key):
            return "There is no conversation of yours here to forget."
        return "Forgotten: your latest thread here starts afresh."
    if word == "json":
        session = service.sessions.get(key) if key else None
        if session is None or session.last_reply is None:
            return "There is no answer of yours here yet to show as JSON."
        text = json.dumps(session.last_reply.to_json(), ensure_ascii=False, indent=1)
        service.poster.upload(key[1], key[2], content=text, filename="reply.json", title="talkscope reply (JSON)")
        return "The raw reply of your latest thread is in that thread as reply.json."
    return HELP if word == "help" else f"Unknown command {clean(word)!r}. {HELP}"


def serve_http(app: App, host: str, port: int) -> Any:
    """A threaded stdlib WSGI server running Bolt's WSGI adapter at /slack/events (returned unstarted)."""
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    from slack_bolt.adapter.wsgi import SlackRequestHandler

    class Threading(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:  # request lines are not printed (they carry no secrets, but noise)
            pass

    return make_server(host, port, SlackRequestHandler(app, path="/slack/events"), server_class=Threading,
                       handler_class=Quiet)


def socket_mode(app: App, config: SlackConfig) -> Any:
    """Bolt's Socket Mode handler for the same app (connect with `.start()`)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    return SocketModeHandler(app, config.app_token)
