"""One path policy for every argument that names a file or folder (a probe's CSV, say).

The CLI and the Python API let a user name their own files (`PathPolicy.anything()`); a shared front end
(the Slack bot) allows only the folders its admin configured and the files uploaded into the conversation,
named by their file name. A refusal is a user error that says what is allowed, without naming server paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from talkscope.tools.engine.errors import TalkscopeError


@dataclass
class PathPolicy:
    allowed_dirs: tuple[Path, ...] | None = None  # None: any path the process can read
    uploads: dict[str, Path] = field(default_factory=dict)  # file name -> where an uploaded file was saved

    @classmethod
    def anything(cls) -> PathPolicy:
        return cls(None)

    def resolve(self, text: str, what: str) -> Path:
        """The path a user's text names, if the policy allows it; a TalkscopeError otherwise."""
        name = text.strip()
        if name in self.uploads:
            return self.uploads[name]
        if self.allowed_dirs is None:
            return Path(name).expanduser()
        path = Path(name).expanduser()
        for root in self.allowed_dirs:
            candidate = (root / path).resolve() if not path.is_absolute() else path.resolve()
            if candidate.is_relative_to(root.resolve()) and candidate.exists():
                return candidate
        uploaded = ", ".join(sorted(self.uploads)) or "none yet"
        raise TalkscopeError(f"I can't read '{Path(name).name}' as the {what} here: I only read files uploaded into "
                             f"this conversation (uploaded: {uploaded}) and the folders the admin allowed")


MAX_FIGURES_PER_KIND = 200  # per output folder: the oldest of a kind is removed when a new one would pass this


def next_figure_path(out_dir: Path, stem: str, keep: int = MAX_FIGURES_PER_KIND) -> Path:
    """A fresh numbered PNG path (e.g. talkscope-out/attr-003.png), reserved by creating it exclusively so that
    two processes writing to one folder never take the same name; the oldest figures of this kind beyond `keep`
    are removed, so a long chat or a shared bot does not fill the disk."""
    import os

    out_dir.mkdir(parents=True, exist_ok=True)
    existing = sorted((p for p in out_dir.glob(f"{stem}-*.png") if _figure_number(p, stem) is not None),
                      key=lambda p: _figure_number(p, stem) or 0)
    n = (_figure_number(existing[-1], stem) or 0) + 1 if existing else 1
    while True:
        path = out_dir / f"{stem}-{n:03d}.png"
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            break
        except FileExistsError:
            n += 1
    for old in existing[: max(0, len(existing) + 1 - keep)]:
        old.unlink(missing_ok=True)
    return path


def _figure_number(path: Path, stem: str) -> int | None:
    tail = path.stem[len(stem) + 1:]
    return int(tail) if tail.isdigit() else None
