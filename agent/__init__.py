"""talkscope.agent."""
