"""talkscope.retrieval."""
