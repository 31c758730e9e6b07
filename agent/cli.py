"""The `talkscope` command: a thin shell over the library. User errors end as one line on stderr.

Exit codes (README, "Exit codes"): 0 every call ran; 2 the command line was refused before anything ran (an
unknown option, a bad flag or path, arguments a tool does not accept); 3 the answer was printed but at least one
tool could not run (its JSON carries the error); 70 an internal error; 130 interrupted.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from rich.console import Console

from talkscope.agent import flags
from talkscope.agent.terminal import quiet_libraries, verbose_requested
from talkscope.tools.engine.errors import TalkscopeError

EXIT_OK, EXIT_USAGE, EXIT_TOOL_FAILED, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 2, 3, 70, 130

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Ask a language model why it said what it said. Add --verbose anywhere to see the "
                       "libraries' own warnings and logs.")
out = Console(highlight=False)

ModelOpt = Annotated[str, typer.Option("--model", "-m", help="default, a HF folder, a cached HF id, or a .gguf")]
DeviceOpt = Annotated[str | None, typer.Option("--device", help="cpu, cuda or cuda:N (default: cuda if present)")]
IndexOpt = Annotated[Path | None, typer.Option("--index", help="document index folder")]
OutOpt = Annotated[Path, typer.Option("--out", help="folder for figures")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print machine-readable JSON")]
TargetOpt = Annotated[str | None, typer.Option("--target-model", help="patchscopes: patch into this model")]
DataOpt = Annotated[str | None, typer.Option("--data", help="a table to ask about: CSV, Parquet, JSONL, or a demo "
                                            "(penguins, breast_cancer, diabetes)")]
TargetColOpt = Annotated[str | None, typer.Option("--target", help="--data: the column the model predicts")]
ModelFileOpt = Annotated[Path | None, typer.Option("--model-file", help="--data: explain your own scikit-learn model "
                                                   "(joblib) instead of fitting an EBM")]
TrustOpt = Annotated[bool, typer.Option("--trust-model-file", help="allow loading --model-file (a pickle runs code)")]
TextOpt = Annotated[str | None, typer.Option("--text", help="--data: the column holding the texts (a text dataset)")]
LabelOpt = Annotated[str | None, typer.Option("--label", help="--data: the texts' label column, if any")]
RayOpt = Annotated[str | None, typer.Option("--ray", help="--data texts: run the model's reading on Ray: 'local' "
                                            "(a local instance), 'auto', or a cluster address (talkscope[scale])")]
LLMOpt = Annotated[str | None, typer.Option("--llm-router", help="route with a LangChain chat model: MODULE:FUNCTION "
                                            "returning a chat model that supports bind_tools")]


def _context(model: str, device: str | None, index: Path | None, out_dir: Path, target: str | None = None,
             loaded: Any = None) -> Any:
    """The tool context, after every path and name on the command line is checked (exit 2 when one is bad)."""
    from talkscope.tools.base import ToolContext

    flags.check_model(model)
    if target is not None:
        flags.check_model(target, "--target-model")
    flags.check_device(device)
    flags.check_index(index)
    flags.check_out_dir(out_dir)
    return ToolContext(model_spec=model, device=device, index_dir=index, out_dir=out_dir, target_model_spec=target,
                       table_state=loaded and loaded.table, text_state=loaded and loaded.texts)


def _data(data: str | None, target: str | None = None, model_file: Path | None = None, trust: bool = False,
          text: str | None = None, label: str | None = None, ray: str | None = None) -> Any:
    """--data read and checked now (exit 2 when bad): a table or a text dataset (said which, when assumed)."""
    from talkscope.agent.datasets import open_data

    loaded = open_data(data, target, text, label, model_file, trust, ray)
    if loaded.assumed:
        Console(stderr=True, highlight=False).print(f"talkscope: read {data} as {loaded.assumed}", style="dim")
    return loaded


def _llm_router(factory: Any, ctx: Any) -> Any:
    """The optional LLM router: the checked MODULE:FUNCTION is called with no arguments for a chat model."""
    if factory is None:
        return None
    from talkscope.agent.llm_router import LLMRouter

    return LLMRouter(factory(), ctx)


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _read_jsonl(path: Path) -> list[Any]:
    flags.check_file(path, "--batch", "a JSONL file, one JSON value per line")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise TalkscopeError(f"{path} is not UTF-8 text (byte {err.start}): save it as UTF-8 and try again") from err
    rows = []
    for n, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise TalkscopeError(f"{path}:{n} is not valid JSON ({err.msg})") from err
    return rows


@app.command()
def ask(question: str, json_out: JsonOpt = False, model: ModelOpt = "default", device: DeviceOpt = None,
        index: IndexOpt = None, out_dir: OutOpt = Path("talkscope-out"), target_model: TargetOpt = None,
        llm_router: LLMOpt = None, data: DataOpt = None, target: TargetColOpt = None, model_file: ModelFileOpt = None,
        trust_model_file: TrustOpt = False, text: TextOpt = None, label: LabelOpt = None, ray: RayOpt = None) -> None:
    """Answer one question about the model, citing evidence."""
    from talkscope.agent.core import Agent
    from talkscope.agent.render import render_reply
    from talkscope.agent.session import check_question

    ctx = _context(model, device, index, out_dir, target_model,
                   _data(data, target, model_file, trust_model_file, text, label, ray))
    factory = flags.llm_router_factory(llm_router)
    question = check_question(question, "talkscope ask 'What can you do?'")
    agent = Agent(ctx, router=_llm_router(factory, ctx))
    reply = agent.ask(question)
    if json_out:
        _print_json(reply.to_json())
    else:
        render_reply(out, reply)
    if reply.failed_calls:
        raise typer.Exit(EXIT_TOOL_FAILED)


def _parse_args(text: str) -> dict[str, Any]:
    try:
        args = json.loads(text)
    except json.JSONDecodeError as err:
        raise TalkscopeError(f"--args is not valid JSON ({err.msg}): e.g. --args '{{\"prompt\": \"Hi\"}}'") from err
    if not isinstance(args, dict):
        raise TalkscopeError("--args must be a JSON object, e.g. '{\"prompt\": \"Hi\"}'")
    return args


@app.command()
def tool(name: str, args: Annotated[str, typer.Option(help="arguments as a JSON object")] = "{}",
         batch: Annotated[Path | None, typer.Option(help="JSONL file: one args object per line")] = None,
         json_out: JsonOpt = False, model: ModelOpt = "default", device: DeviceOpt = None,
         index: IndexOpt = None, out_dir: OutOpt = Path("talkscope-out"), target_model: TargetOpt = None,
         data: DataOpt = None, target: TargetColOpt = None, model_file: ModelFileOpt = None,
         trust_model_file: TrustOpt = False, text: TextOpt = None, label: LabelOpt = None, ray: RayOpt = None) -> None:
    """Run one tool directly (or one call per line of --batch, with the model loaded once)."""
    from talkscope.agent.render import render_result
    from talkscope.tools.base import get_tool

    runner = get_tool(name)
    if runner.domain == "table" and data is None:
        raise TalkscopeError(f"{name} answers about a table: give --data FILE (or a demo: penguins, breast_cancer, "
                             "diabetes) and --target COLUMN")
    if runner.domain == "texts" and data is None:
        raise TalkscopeError(f"{name} answers about a text dataset: give --data FILE --text COLUMN [--label COLUMN] "
                             "(or the demo: --data tickets)")
    ctx = _context(model, device, index, out_dir, target_model,
                   _data(data, target, model_file, trust_model_file, text, label, ray))
    if batch is None:
        parsed = _parse_args(args)
        runner.normalize_args(parsed)  # arguments the tool does not accept: refused (exit 2) before running
        result = _run_tool(runner, ctx, parsed)
        _print_json(result.to_json()) if json_out else render_result(out, result)
        if not result.ok:
            raise typer.Exit(EXIT_TOOL_FAILED)
        return
    failed = 0
    for row in _read_jsonl(batch):
        result = _run_tool(runner, ctx, row)
        failed += not result.ok
        _print_json(result.to_json()) if json_out else render_result(out, result)
    if failed:
        raise typer.Exit(EXIT_TOOL_FAILED)


def _run_tool(runner: Any, ctx: Any, args: Any) -> Any:
    """One call; a tool that cannot run gives a failed result (printed, JSON with `data.error`)."""
    from talkscope.tools.base import ToolResult

    if not isinstance(args, dict):
        return ToolResult.failed(runner.name, {}, "each batch line must be a JSON object of arguments")
    try:
        return runner(ctx, args)
    except TalkscopeError as err:
        return ToolResult.failed(runner.name, args, str(err))


@app.command()
def index(paths: Annotated[list[Path] | None, typer.Argument(help="files and folders to index")] = None,
          index: IndexOpt = None, prune: Annotated[bool, typer.Option(help="drop files deleted from disk")] = False,
          rebuild: Annotated[bool, typer.Option(help="start over from the source files")] = False,
          demo: Annotated[bool, typer.Option(help="also index the shipped demo corpus")] = False,
          wait: Annotated[float, typer.Option(help="seconds to wait for another writer")] = 10.0,
          json_out: JsonOpt = False) -> None:
    """Add documents to the index (incremental: unchanged files are skipped)."""
    from dataclasses import asdict

    from talkscope.retrieval.index import default_index_dir
    from talkscope.retrieval.ingest import demo_corpus, index_paths, other_demo

    flags.check_index(index, must_exist=False)
    if wait < 0:
        raise TalkscopeError(f"--wait {wait:g}: give the seconds to wait for another writer, 0 or more")
    todo = list(paths or []) + ([demo_corpus().resolve()] if demo else [])
    if not todo and not (rebuild or prune):
        raise TalkscopeError("give files or folders to index, e.g. talkscope index docs/ (or --demo)")
    root = index or default_index_dir()
    report = index_paths(root, todo, prune_missing=prune, rebuild=rebuild, wait_s=wait,
                         drop=other_demo if demo else None)
    if json_out:
        _print_json({"index": str(root), **asdict(report)})
        if report.unreadable:
            raise typer.Exit(EXIT_TOOL_FAILED)
        return
    out.print(f"{root}: {report.files_added} added, {report.files_replaced} replaced, {report.files_unchanged} "
              f"unchanged, {report.files_pruned} pruned; {report.chunks_written} chunks written, "
              f"{report.chunks_total} in the index.", soft_wrap=True)
    for item in report.skipped:
        out.print(f"  skipped: {item}", style="dim", soft_wrap=True)  # paths stay whole: copy-paste works
    if report.unreadable:
        raise typer.Exit(EXIT_TOOL_FAILED)


@app.command()
def route(turns: Annotated[list[str] | None, typer.Argument(help="consecutive turns of one conversation")] = None,
          batch: Annotated[Path | None, typer.Option(help="JSONL: each line a JSON list of turns")] = None,
          json_out: JsonOpt = False, data: DataOpt = None, target: TargetColOpt = None, text: TextOpt = None,
          label: LabelOpt = None) -> None:
    """Show how the router reads a conversation, without running the model."""
    from talkscope.agent.router import Router
    from talkscope.agent.session import Session

    conversations = _read_jsonl(batch) if batch else [turns or []]
    if any(not isinstance(c, list) or not all(isinstance(t, str) for t in c) for c in conversations):
        raise TalkscopeError(f"{batch}: each line must be a JSON list of turns (strings), e.g. [\"What can you do?\"]")
    if not any(conversations):
        raise TalkscopeError("give at least one turn, e.g. talkscope route 'What can you do?'")
    router = Router()
    loaded = _data(data, target, text=text, label=label)
    for conv in conversations:
        session, routed = Session.about(loaded.table, loaded.texts), []
        for turn in conv:
            r = router.route(turn, session)
            session.record(r)
            routed.append(r.to_json())
        _print_json(routed) if json_out else out.print_json(data=routed)


@app.command("tools")
def tools_cmd(json_out: JsonOpt = False) -> None:
    """List the tools and their arguments."""
    from talkscope.tools.base import list_tools

    listing = [{"name": t.name, "description": t.description,
                "args": {k: {"type": a.label(), "schema": a.json_schema(), "description": a.description,
                             "default": a.default, "choices": list(a.allowed() or ()) or None}
                         for k, a in t.inputs.items()}}
               for t in list_tools()]
    if json_out:
        _print_json(listing)
        return
    for t in listing:
        out.print(f"[bold]{t['name']}[/]  {t['description']}")
        for k, a in t["args"].items():
            out.print(f"    {k} ({a['type']}): {a['description']}", style="dim")


@app.command()
def info(json_out: JsonOpt = False, model: ModelOpt = "default", device: DeviceOpt = None) -> None:
    """Load the model and show its name, layers, device and the cache folder."""
    from talkscope.tools.engine.loading import cache_root, load_model

    flags.check_model(model)
    flags.check_device(device)
    start = time.perf_counter()
    adapter = load_model(model, device=device)
    facts = {**adapter.describe(), "source": adapter.source, "hidden_size": adapter.hidden_size,
             "dtype": str(adapter.dtype).replace("torch.", ""), "cache": str(cache_root()),
             "load_s": round(time.perf_counter() - start, 2)}
    if json_out:
        _print_json(facts)
        return
    for k, v in facts.items():
        out.print(f"[bold]{k:>12}[/]  {v}")


@app.command()
def chat(model: ModelOpt = "default", device: DeviceOpt = None, index: IndexOpt = None,
         out_dir: OutOpt = Path("talkscope-out"), llm_router: LLMOpt = None, data: DataOpt = None,
         target: TargetColOpt = None, model_file: ModelFileOpt = None, trust_model_file: TrustOpt = False,
         text: TextOpt = None, label: LabelOpt = None, ray: RayOpt = None) -> None:
    """Talk with talkscope about the model (and a table or a text dataset, with --data) in the terminal."""
    from talkscope.agent.chat import run_chat

    ctx = _context(model, device, index, out_dir, None, _data(data, target, model_file, trust_model_file, text, label,
                                                              ray))
    factory = flags.llm_router_factory(llm_router)
    run_chat(ctx, _llm_router(factory, ctx))


@app.command()
def slack(http: Annotated[bool, typer.Option("--http", help="serve Slack's HTTP events (else Socket Mode)")] = False,
          port: Annotated[int, typer.Option(help="HTTP mode: the port (0: any free one)")] = 3000,
          host: Annotated[str, typer.Option(help="HTTP mode: the address to listen on")] = "127.0.0.1",
          env_file: Annotated[Path | None, typer.Option("--env-file", help="KEY=VALUE file with the tokens")] = None,
          model: ModelOpt = "default", device: DeviceOpt = None, index: IndexOpt = None,
          out_dir: OutOpt = Path("talkscope-out")) -> None:
    """Answer questions in Slack: mention the bot in a channel or write to it; each thread is a conversation."""
    from talkscope.agent.slack.main import run

    flags.check_file(env_file, "--env-file", "a KEY=VALUE file with the Slack tokens")
    run(_context(model, device, index, out_dir), http=http, host=host, port=port, env_file=env_file)


def _click_classes() -> tuple[tuple[type, ...], tuple[type, ...]]:
    """(usage errors, aborts) of click and of the copy of click that typer 0.29+ carries inside itself
    (`typer._click`), whose exceptions are not click's and would otherwise end as a traceback."""
    errors: list[type] = [click.ClickException]
    aborts: list[type] = [click.exceptions.Abort, *(c for c in (getattr(typer, "Abort", None),) if isinstance(c, type))]
    try:
        from typer._click import exceptions as vendored  # a private module: used only when it exists
    except ImportError:
        vendored = None
    if vendored is not None:
        errors.append(vendored.ClickException)
        aborts.extend(c for c in (getattr(vendored, "Abort", None),) if isinstance(c, type))
    return tuple(errors), tuple(aborts)


def run(argv: list[str]) -> int:
    """Run one command line (without the program name) and return its exit code; never raises, except with
    --verbose, where an internal error keeps its traceback."""
    verbose = verbose_requested(argv)
    argv = [a for a in argv if a != "--verbose"]
    quiet_libraries(verbose)
    usage_errors, aborts = _click_classes()
    try:
        code = app(argv, prog_name="talkscope", standalone_mode=False)
    except TalkscopeError as err:
        print(f"talkscope: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except (KeyboardInterrupt, *aborts):
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `talkscope tools | head -1`: the reader left; nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except usage_errors as err:
        err.show()  # type: ignore[attr-defined]
        return int(err.exit_code)  # type: ignore[attr-defined]
    except Exception as err:  # a bug: one line, the traceback only on request
        if verbose:
            raise
        print(f"talkscope: internal error: {type(err).__name__}: {err} (run again with --verbose for the "
              "traceback, and please report it)", file=sys.stderr)
        return EXIT_INTERNAL
    return code if isinstance(code, int) else EXIT_OK


def main() -> None:
    sys.exit(run(sys.argv[1:]))


if __name__ == "__main__":
    main()
