"""Files users upload into a thread: downloaded with the bot token, size-capped and type-checked, kept in the
thread's folder (deleted with its session) and named in questions by their file name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from talkscope.tools.engine.errors import TalkscopeError

ALLOWED_SUFFIXES = (".csv", ".jsonl", ".txt", ".tsv")


def downloader(token: str, max_bytes: int) -> Any:
    """A function (file info, folder) -> saved path, for `Service(download=...)`."""
    def download(info: dict[str, Any], folder: Path) -> Path:
        import urllib.request  # slack_sdk has no download helper; a plain GET with the bot token is Slack's way

        name = Path(str(info.get("name") or "upload")).name
        if not name.lower().endswith(ALLOWED_SUFFIXES):
            raise TalkscopeError(f"I read only {', '.join(ALLOWED_SUFFIXES)} files")
        if int(info.get("size") or 0) > max_bytes:
            raise TalkscopeError(f"it is larger than {max_bytes // 1_000_000} MB")
        url = info.get("url_private_download") or info.get("url_private")
        if not url:
            raise TalkscopeError("Slack gave no download address for it")
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  (Slack's own file URL)
            data = response.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise TalkscopeError(f"it is larger than {max_bytes // 1_000_000} MB")
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise TalkscopeError("it is not UTF-8 text") from None
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_bytes(data)
        return path
    return download
