"""The engine the tools share: the model adapter and loading, the unembedding, patching, generation,
figures, and the small `errors`/`progress` modules that `talkscope.retrieval` may import too.

Imports run one way: agent -> tools -> engine; retrieval -> engine; agent -> retrieval. Nothing here
imports a tool or the agent. Importing this package imports nothing heavy.
"""

import os

# Never download: every model must already be on disk (set before transformers or the hub client is imported).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
