"""The bot's settings: tokens from the environment (or an .env file), limits and allow-lists.

Tokens are never printed or logged; a missing or malformed one is a one-line error naming the variable.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from talkscope.tools.engine.errors import TalkscopeError

SLACK_API = "https://slack.com/api/"
TOKEN_SHAPES = {"SLACK_BOT_TOKEN": r"xoxb-[\w-]+", "SLACK_APP_TOKEN": r"xapp-[\w-]+"}  # the names _token checks


@dataclass(frozen=True)
class SlackConfig:
    bot_token: str = field(repr=False)
    signing_secret: str | None = field(default=None, repr=False)  # HTTP mode
    app_token: str | None = field(default=None, repr=False)  # Socket Mode
    api_url: str = SLACK_API
    queue_size: int = 16  # model turns waiting at once; beyond it the bot answers "busy"
    workers: int = 1  # model work is serialised anyway (one model, one lock); more help only non-model turns
    per_user_per_minute: int = 10
    session_idle_s: float = 3600.0
    max_sessions: int = 500
    allowed_dirs: tuple[Path, ...] = ()  # folders whose files a Slack user may name
    allowed_teams: frozenset[str] = frozenset()  # empty: any
    allowed_channels: frozenset[str] = frozenset()
    allowed_users: frozenset[str] = frozenset()
    upload_max_bytes: int = 5_000_000
    progress_every_s: float = 3.0


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of an .env file (comments and blank lines skipped, quotes around values removed)."""
    if not path.is_file():
        raise TalkscopeError(f"no .env file at {path}: give the file that holds SLACK_BOT_TOKEN and the others")
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            out[key.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return out


def _token(env: dict[str, str], name: str, required: bool) -> str | None:
    value = env.get(name, "").strip()
    if not value:
        if required:
            raise TalkscopeError(f"{name} is not set: give the bot's token in the environment or in --env-file")
        return None
    if not re.fullmatch(TOKEN_SHAPES.get(name, r"\S+"), value):
        start = TOKEN_SHAPES[name].split("-")[0] + "-"
        raise TalkscopeError(f"{name} does not look like a Slack token (it should start with {start})")
    return value


def _names(env: dict[str, str], name: str) -> frozenset[str]:
    return frozenset(x.strip() for x in env.get(name, "").split(",") if x.strip())


def _number(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise TalkscopeError(f"{name} must be a number, not {raw!r}") from None
    if value <= 0:
        raise TalkscopeError(f"{name} must be positive, not {raw!r}")
    return value


def load_config(http: bool, env_file: Path | None = None, environ: dict[str, str] | None = None) -> SlackConfig:
    """The settings from the environment (and an .env file, whose values the environment overrides)."""
    env = {**(read_env_file(env_file) if env_file else {}), **(environ if environ is not None else os.environ)}
    bot_token = _token(env, "SLACK_BOT_TOKEN", required=True) or ""
    app_token = None if http else _token(env, "SLACK_APP_TOKEN", required=False)
    secret = env.get("SLACK_SIGNING_SECRET", "").strip() or None
    if app_token is None and secret is None:
        raise TalkscopeError("set SLACK_APP_TOKEN (an xapp- token, Socket Mode) or SLACK_SIGNING_SECRET with --http "
                             "(HTTP mode)")
    dirs = tuple(Path(d).expanduser().resolve() for d in env.get("TALKSCOPE_SLACK_ALLOWED_DIRS", "").split(os.pathsep)
                 if d.strip())
    for d in dirs:
        if not d.is_dir():
            raise TalkscopeError(f"TALKSCOPE_SLACK_ALLOWED_DIRS names {d}, which is not a folder")
    return SlackConfig(
        bot_token=bot_token, signing_secret=secret, app_token=app_token,
        api_url=env.get("SLACK_API_URL", SLACK_API).strip() or SLACK_API,
        queue_size=int(_number(env, "TALKSCOPE_SLACK_QUEUE", 16)),
        workers=int(_number(env, "TALKSCOPE_SLACK_WORKERS", 1)),
        per_user_per_minute=int(_number(env, "TALKSCOPE_SLACK_PER_USER_PER_MINUTE", 10)),
        session_idle_s=_number(env, "TALKSCOPE_SLACK_SESSION_IDLE_S", 3600),
        max_sessions=int(_number(env, "TALKSCOPE_SLACK_MAX_SESSIONS", 500)),
        allowed_dirs=dirs, allowed_teams=_names(env, "SLACK_ALLOWED_TEAMS"),
        allowed_channels=_names(env, "SLACK_ALLOWED_CHANNELS"), allowed_users=_names(env, "SLACK_ALLOWED_USERS"))
