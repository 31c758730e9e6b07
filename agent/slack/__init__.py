"""talkscope in Slack: a Bolt app whose threads are talkscope sessions (see the README's Slack section).

`config` reads the settings, `format` turns a Reply into Slack messages, `service` owns the sessions, the
model queue and the limits (no Slack in it), `app` wires Bolt's listeners to the service, and `files` fetches
what users upload into a thread.
"""
