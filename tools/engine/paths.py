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
