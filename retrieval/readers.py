"""Read source files into documents: plain text, Markdown, PDF, HTML (text only), and one document per
row for CSV and JSONL (the row number is kept so a citation can point at it)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from talkscope.tools.engine.errors import TalkscopeError

SUFFIXES = (".txt", ".md", ".pdf", ".csv", ".jsonl", ".html", ".htm")


@dataclass(frozen=True)
class Document:
    source: str  # absolute path of the file
    text: str
    row: int | None = None  # 1-based data row for CSV/JSONL, None for whole files


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def find_files(paths: list[Path]) -> list[Path]:
    """Every readable file under the given files and folders, sorted; a missing path is an error."""
    found: list[Path] = []
    for p in paths:
        if p.is_symlink() and not p.exists():
            raise TalkscopeError(f"{p} is a symbolic link that leads nowhere (a loop or a missing target): "
                                 "give the file itself")
        if not p.exists():
            raise TalkscopeError(f"{p} does not exist: give files or folders of {', '.join(SUFFIXES)} documents")
        if p.is_dir():
            found += [f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES
                      and not any(part.startswith(".") for part in f.relative_to(p).parts)]
        elif p.suffix.lower() in SUFFIXES:
            found.append(p)
        else:
            raise TalkscopeError(f"{p}: talkscope reads {', '.join(SUFFIXES)} files, not {p.suffix or 'this file'}")
    return sorted({f.resolve() for f in found})


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise TalkscopeError(f"{path} is not UTF-8 text; convert it (e.g. iconv -t UTF-8) and index again") from err


class _TextOnly(HTMLParser):
    """Visible text of an HTML page. The standard library parser is enough for text extraction and
    avoids a dependency; script and style contents are dropped."""

    SKIP = {"script", "style", "head", "title", "noscript"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._skip += tag in self.SKIP

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in self.SKIP and self._skip > 0

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def _html(path: Path) -> str:
    parser = _TextOnly()
    parser.feed(_text(path))
    return "\n".join(parser.parts)


def _pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    except (PdfReadError, OSError, ValueError) as err:
        raise TalkscopeError(f"{path} could not be read as a PDF ({err}); check the file or leave it out") from err


CSV_FIELD_LIMIT = 2**31 - 1  # the csv module refuses cells over 128 KB by default; the splitter chunks long ones


def _rows_csv(path: Path) -> list[str]:
    csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.DictReader(io.StringIO(_text(path)))
    return ["; ".join(f"{k}: {v}" for k, v in row.items() if k and v) for row in reader]


def _rows_jsonl(path: Path) -> list[str]:
    rows = []
    for n, line in enumerate(_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise TalkscopeError(f"{path}, line {n}: not valid JSON ({err.msg})") from err
        rows.append(obj.get("text") if isinstance(obj, dict) and isinstance(obj.get("text"), str)
                    else "; ".join(f"{k}: {v}" for k, v in obj.items()) if isinstance(obj, dict) else str(obj))
    return rows


def read_documents(path: Path) -> list[Document]:
    """The documents of one file: one for a whole file, one per row for CSV/JSONL (empty ones dropped)."""
    suffix, source = path.suffix.lower(), str(path)
    if suffix in (".csv", ".jsonl"):
        rows = _rows_csv(path) if suffix == ".csv" else _rows_jsonl(path)
        return [Document(source, text, row) for row, text in enumerate(rows, start=1) if text.strip()]
    text = _pdf(path) if suffix == ".pdf" else _html(path) if suffix in (".html", ".htm") else _text(path)
    return [Document(source, text)] if text.strip() else []
