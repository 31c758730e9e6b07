"""The terminal chat: one Agent session, rich rendering, history, slash commands, Ctrl-C cancels a turn."""

from __future__ import annotations

import json
import readline  # noqa: F401  (line editing and history for input())
import signal
import threading
from typing import Any

from rich.console import Console

from talkscope.agent.core import Agent
from talkscope.agent.render import render_reply
from talkscope.tools.base import ToolContext
from talkscope.tools.engine.errors import TalkscopeError

COMMANDS = {
    "/help": "what talkscope can do (same as asking 'What can you do?')",
    "/reset": "forget the conversation so far",
    "/json": "toggle showing the raw Reply JSON",
    "/model NAME": "switch to another model (default, a folder, a cached HF id, a .gguf)",
    "/data FILE [TARGET]": "ask about a table (CSV, Parquet, JSONL, or a demo: penguins, breast_cancer, diabetes)",
    "/data FILE text=COL [label=COL]": "ask about a text dataset (a file, a folder of .txt files, or the demo: "
                                       "tickets)",
    "/quit": "leave (Ctrl-D works too)",
}


def run_chat(ctx: ToolContext, router: Any = None) -> None:
    if threading.current_thread() is threading.main_thread():
        # Ctrl-C cancels a turn even when the chat was started with SIGINT ignored (a background job,
        # nohup, some process managers): Python keeps an inherited "ignore" and would never raise it.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    console = Console(highlight=False, soft_wrap=True)  # the terminal wraps; copy-paste stays intact
    console.print("[bold]talkscope[/] — ask why the model says what it says. /help for help, /quit to leave.")
    with console.status("Loading the router..."):
        agent = Agent(ctx, router=router)
    _load_model(console, agent)
    _prepare_index(console, agent.ctx)
    if agent.ctx.table_state is not None or agent.ctx.text_state is not None:
        _show_data(console, agent, None)
    show_json = False
    while True:
        try:
            line = console.input("[bold green]you>[/] ").strip()
        except EOFError:
            console.print()
            return
        except KeyboardInterrupt:
            console.print("\n(type /quit to leave)")
            continue
        if not line:
            continue
        if line.startswith("/"):
            cmd, _, arg = line.partition(" ")
            if cmd == "/quit":
                return
            if cmd == "/reset":
                agent.session.reset()
                console.print("Conversation forgotten.")
                continue
            if cmd == "/json":
                show_json = not show_json
                console.print(f"Raw JSON {'on' if show_json else 'off'}.")
                continue
            if cmd == "/data" and arg.strip():
                _load_data(console, agent, arg.split())
                continue
            if cmd == "/model" and arg.strip():
                agent.ctx = ToolContext(model_spec=arg.strip(), device=ctx.device, index_dir=ctx.index_dir,
                                        out_dir=ctx.out_dir, table_state=agent.ctx.table_state,
                                        text_state=agent.ctx.text_state)
                agent.session.reset()
                _load_model(console, agent)
                continue
            if cmd != "/help":
                console.print(f"Unknown command {cmd}. Commands:")
            for name, what in COMMANDS.items():
                console.print(f"  {name:<20} {what}")
            if cmd != "/help":
                continue
            line = "What can you do?"
        _turn(console, agent, line, show_json)


def _load_data(console: Console, agent: Agent, words: list[str]) -> None:
    """`/data FILE [TARGET]` or `/data FILE text=COL label=COL`: the table or text dataset later questions are
    about; a bad file or column leaves the old one."""
    from talkscope.agent.datasets import open_data
    from talkscope.tools.engine.text.collection import is_text_source

    named = dict(w.split("=", 1) for w in words[1:] if "=" in w)
    bare = [w for w in words[1:] if "=" not in w]
    unknown = sorted(set(named) - {"text", "label", "target"})
    if len(bare) > 1 or unknown:
        console.print("Give a file and, if needed, the columns: /data FILE [TARGET] for a table, "
                      "/data FILE text=COLUMN [label=COLUMN] for texts")
        return
    try:
        with console.status(f"Reading {words[0]}..."):
            textual = "text" in named or "label" in named or ("target" not in named and is_text_source(words[0]))
            column = bare[0] if bare else None
            loaded = open_data(words[0], named.get("target") or (None if textual else column),
                               named.get("text"), named.get("label") or (column if textual else None))
    except TalkscopeError as err:  # the chat's own words for the command-line flags
        said = str(err).replace("Give --target COLUMN", "Type /data FILE COLUMN")
        console.print(f"[red]Sorry:[/] {said.replace('Give --text COLUMN', 'Type /data FILE text=COLUMN')}")
        return
    agent.ctx.table_state, agent.ctx.text_state = loaded.table, loaded.texts
    agent.session.reset()  # the old data's calls must not lend arguments to questions about the new data
    agent.session.table = loaded.table.table.schema if loaded.table is not None else None
    agent.session.texts = loaded.texts.data if loaded.texts is not None else None
    _show_data(console, agent, loaded.assumed)


def _show_data(console: Console, agent: Agent, assumed: str | None) -> None:
    from talkscope.agent.datasets import Loaded, overview_lines

    loaded = Loaded(agent.ctx.table_state, agent.ctx.text_state, assumed)
    for line in overview_lines(loaded):
        console.print(line, style=None if not line.startswith("  ") else "dim")
    if loaded.texts is not None:
        console.print("Ask e.g. 'what is in this data?', 'which texts surprise the model?', 'which labels look "
                      "wrong?', 'how do refund texts differ from billing ones?'. The model reads every text on first "
                      "use (cached).")
    else:
        console.print("Ask e.g. 'how accurate is the model?', 'what matters most?', 'why was row 12 predicted that "
                      "way?'. The model is fitted on first use (cached).")


def _load_model(console: Console, agent: Agent) -> None:
    try:
        info = agent.ctx.model.describe()
        _ = agent.ctx.model.tokenizer  # loads on first use; here, so the first answer does not wait
        console.print(f"Model: {info['name']} · {info['layers']} layers · {info['device']}")
    except TalkscopeError as err:
        console.print(f"[red]Sorry, I could not load the model:[/] {err}")


def _prepare_index(console: Console, ctx: ToolContext) -> None:
    """Without --index, the default index with the demo corpus (built with progress on first start)."""
    from talkscope.tools.sources import open_index

    try:
        index = open_index(ctx)
        console.print(f"Documents: {len(index)} chunks in {index.root}")
    except TalkscopeError as err:
        console.print(f"[red]The document index is not available:[/] {err}")


def _turn(console: Console, agent: Agent, line: str, show_json: bool) -> None:
    try:
        with console.status("Working... (Ctrl-C cancels)"):
            reply = agent.ask(line)
    except KeyboardInterrupt:
        console.print("[yellow]Cancelled.[/] The conversation so far is kept.")
        return
    except TalkscopeError as err:
        console.print(f"[red]Sorry:[/] {err}")
        return
    render_reply(console, reply)
    if show_json:
        console.print_json(json.dumps(reply.to_json(), ensure_ascii=False))
