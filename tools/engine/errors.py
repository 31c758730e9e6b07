"""The one error type that is meant to be read by a user.

Anything raised as `TalkscopeError` says what went wrong *and what to do next*; the CLI prints it
as one line and exits non-zero, the chat turns it into an apology with the reason, and the agent
turns a tool's failure into evidence. Every other exception is a bug and keeps its traceback.
"""


class TalkscopeError(Exception):
    """An error shown to the user, with a message that says what to do next."""
