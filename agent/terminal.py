"""A clean terminal: only talkscope's own lines reach stderr unless `--verbose` (or TALKSCOPE_VERBOSE=1).

Libraries speak in three ways, each closed here before any of them is imported:
- environment switches read at import time (progress bars, telemetry, C++ log levels, tokenizer fork advice);
- the `warnings` module (deprecations from transformers and torch, attributed to whichever frame called them,
  talkscope's included, so a per-module filter would not catch them);
- `logging` (transformers, accelerate, chromadb, sentence-transformers, httpx): a library logger without a
  handler falls through to Python's last-resort handler on stderr; a silent root handler takes its place.
talkscope itself speaks through rich on stderr (progress, status) and `talkscope: error:` lines.
"""

from __future__ import annotations

import logging
import os
import warnings

ENV = {
    "TRANSFORMERS_VERBOSITY": "error",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_OFFLINE": "1",  # never reach for the network: weights come from packages and local folders
    "TOKENIZERS_PARALLELISM": "false",
    "ANONYMIZED_TELEMETRY": "False",  # chromadb
    "TORCH_CPP_LOG_LEVEL": "ERROR",
    "TF_CPP_MIN_LOG_LEVEL": "3",
}
LOGGERS = ("transformers", "accelerate", "chromadb", "sentence_transformers", "huggingface_hub", "httpx",
           "urllib3", "torch", "gguf", "langchain", "langchain_core", "posthog", "matplotlib", "PIL", "filelock")


def verbose_requested(argv: list[str]) -> bool:
    return "--verbose" in argv or os.environ.get("TALKSCOPE_VERBOSE", "") not in ("", "0")


def quiet_libraries(verbose: bool) -> None:
    """Silence third-party warnings, logs and progress bars for this process (unless verbose)."""
    if verbose:
        os.environ["TALKSCOPE_VERBOSE"] = "1"
        logging.basicConfig(level=logging.INFO)
        return
    for key, value in ENV.items():
        os.environ.setdefault(key, value)
    warnings.simplefilter("ignore")
    # Libraries imported later put their own filters in front of this one (langchain, opentelemetry, torch), so
    # a filter alone lets some through; nothing is shown at all unless verbose.
    warnings.showwarning = _hidden
    logging.getLogger().addHandler(logging.NullHandler())
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def _hidden(*_args: object, **_kwargs: object) -> None:
    """`warnings.showwarning` when not verbose: the warning is dropped."""
