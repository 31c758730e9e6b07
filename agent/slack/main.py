"""`talkscope slack`: load the model once, build the app and its service, and serve until stopped."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

from talkscope.agent.slack.config import load_config
from talkscope.tools.base import ToolContext


def run(ctx: ToolContext, http: bool, host: str, port: int, env_file: Path | None) -> None:
    from talkscope.agent.router import Router
    from talkscope.agent.slack.app import build_app, serve_http, socket_mode
    from talkscope.agent.slack.files import downloader
    from talkscope.agent.slack.service import Service

    config = load_config(http=http, env_file=env_file)
    _ = ctx.model, ctx.model.tokenizer  # one model per process, loaded before the first question
    router = Router()
    app, service = build_app(config, lambda poster: Service(config, ctx, router, poster,
                                                            downloader(config.bot_token, config.upload_max_bytes)))
    service.start()
    info = ctx.model.describe()
    try:
        if config.app_token and not http:
            say(f"Socket Mode · model {info['name']} ({info['layers']} layers) · Ctrl-C stops")
            socket_mode(app, config).start()
            return
        server = serve_http(app, host, port)
        say(f"listening on http://{host}:{server.server_port}/slack/events · model {info['name']} "
            f"({info['layers']} layers) · Ctrl-C stops")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set() or threading.Thread(target=server.shutdown).start())
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    finally:
        service.stop()


def say(line: str) -> None:
    print(f"talkscope slack: {line}", file=sys.stderr, flush=True)


