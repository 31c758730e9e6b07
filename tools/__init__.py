"""talkscope.tools."""
