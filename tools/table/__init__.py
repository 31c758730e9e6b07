"""The table tools: TalkToModel's operations over a loaded table and the model fitted to it."""
