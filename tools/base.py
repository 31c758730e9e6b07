"""The tool protocol: typed inputs, typed results that word themselves, and the registry.

A tool is a small class: `name`, `description`, `inputs` (a JSON-schema-typed `Arg` per argument, the
contract shared with the router, the CLI and the LangChain export), `examples` (the questions it
answers, defined once: `help`, the suggestions and the router's exemplars all come from them) and one
`run` method whose keyword arguments must match `inputs` exactly; the match is checked when the class
is defined, so a mismatch fails at import rather than in front of a user.

`run` returns a `ToolResult` whose `finding` is the tool's own dataclass (`Finding`): its fields are
the numbers (`to_json()` is the `data` of the JSON contract), and its `summary()`, `sentences()` and
`uncertainty()` are the one place where the tool's findings are put into words and judged.

Tools register through the `talkscope.tools` entry point group, the built-ins included, so the
extension point is always exercised; `register_tool` does the same from code.
"""

from __future__ import annotations

import inspect
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.paths import PathPolicy

if TYPE_CHECKING:
    from talkscope.tools.engine.model import ModelAdapter
    from talkscope.tools.engine.table.state import TableState
    from talkscope.tools.engine.text.state import TextState

Level = Literal["low", "medium", "high"]
JSON_TYPES: dict[str, Any] = {"string": str, "integer": int, "number": float, "boolean": bool, "array": list}
LABELS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


@dataclass(frozen=True)
class Uncertainty:
    """How far a result can be trusted. `score` is the uncertainty itself: 0 certain, 1 no idea."""

    level: Level
    score: float
    basis: str

    @classmethod
    def from_score(cls, score: float, basis: str) -> Uncertainty:
        score = min(1.0, max(0.0, float(score)))
        level: Level = "low" if score < 1 / 3 else "medium" if score < 2 / 3 else "high"
        return cls(level, round(score, 4), basis)


_ORDINALS = ("zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
             "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
             "eighteenth", "nineteenth", "twentieth")
_CARDINALS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
              "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty")
_NUMBER_WORDS = {w: str(i) for words in (_ORDINALS, _CARDINALS) for i, w in enumerate(words)} | {"nineth": "9"}


def number_word(word: str) -> str | None:
    """'ninth' -> '9', 'twelve' -> '12'; None for any other word."""
    return _NUMBER_WORDS.get(word.lower())


def parse_int_list(text: str) -> int | list[int] | None:
    """'4' -> 4; '2, 5 and 8' -> [2, 5, 8]; '1 through 4' -> [1, 2, 3, 4]; 'the ninth layer' -> 9;
    'every layer' -> None (all)."""
    if re.search(r"\b(every|all|each|by)\b", text, re.IGNORECASE):
        return None
    text = re.sub(r"[a-z]+", lambda m: _NUMBER_WORDS.get(m.group(), m.group()), text.lower())
    values: list[int] = []
    for a, b in re.findall(r"(\d+)(?:\s*(?:to|through|thru|until|-|–)\s*(\d+))?", text):
        values.extend(range(int(a), int(b) + 1) if b else [int(a)])
    return values[0] if len(values) == 1 else values


@dataclass(frozen=True)
class Arg:
    """One argument of a tool: JSON-schema type(s) as in smolagents' `Tool.inputs`, whether null is
    allowed, a default (None: the tool chooses), allowed values, and synonyms the router may read."""

    type: str | tuple[str, ...]  # "string", "integer", "number", "boolean", "array", or several
    description: str
    default: Any = None
    # Allowed values, or a function returning them (for a registry that can grow after import).
    choices: tuple[str, ...] | Callable[[], tuple[str, ...]] | None = None
    required: bool = False
    nullable: bool = False
    items: str = "integer"  # element type of an "array"
    # Words a user may say -> a value in `choices` (or a function returning that mapping); the router reads them.
    aliases: dict[str, str] | Callable[[], dict[str, str]] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        """Also accept the short labels of listings ('str', 'int|list[int]|null'); refuse unknown types."""
        kinds: tuple[str, ...] = (self.type,) if isinstance(self.type, str) else tuple(self.type)
        if isinstance(self.type, str) and self.type not in JSON_TYPES:
            parts = self.type.split("|")
            short = {v: k for k, v in LABELS.items()}
            kinds = tuple("array" if p.startswith("list[") else short.get(p, p) for p in parts if p != "null")
            object.__setattr__(self, "nullable", self.nullable or "null" in parts)
        unknown = [k for k in (*kinds, self.items) if k not in JSON_TYPES]
        if unknown or not kinds:
            raise TypeError(f"unknown argument type {self.type!r}; use {', '.join(JSON_TYPES)}")
        object.__setattr__(self, "type", kinds[0] if len(kinds) == 1 else kinds)

    def allowed(self) -> tuple[str, ...] | None:
        """The allowed values now (None: any value of the type)."""
        return self.choices() if callable(self.choices) else self.choices

    def synonyms(self) -> dict[str, str]:
        """Words a user may say for each allowed value."""
        return self.aliases() if callable(self.aliases) else self.aliases

    @property
    def types(self) -> tuple[str, ...]:
        return (self.type,) if isinstance(self.type, str) else self.type

    def label(self) -> str:
        """Short type text for listings: 'str', 'int|list[int]|null'."""
        parts = [f"list[{LABELS[self.items]}]" if t == "array" else LABELS[t] for t in self.types]
        return "|".join(parts + (["null"] if self.nullable else []))

    def annotation(self) -> Any:
        """The Python type (for pydantic / LangChain schemas)."""
        kinds = [list[JSON_TYPES[self.items]] if t == "array" else JSON_TYPES[t] for t in self.types]
        out = kinds[0]
        for k in kinds[1:]:
            out = out | k
        return out | None

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": list(self.types) if len(self.types) > 1 else self.types[0],
                                  "description": self.description, "nullable": self.nullable or not self.required}
        if "array" in self.types:
            schema["items"] = {"type": self.items}
        if self.allowed():
            schema["enum"] = list(self.allowed() or ())
        if self.default is not None:
            schema["default"] = self.default
        return schema

    def from_text(self, text: str) -> Any:
        """A value read by the router from the words of a turn (numbers and layer lists parsed)."""
        if "array" in self.types:
            return [text] if self.items == "string" else parse_int_list(text)
        if "integer" in self.types:
            return int(text.strip())
        if "number" in self.types:
            value = float(text.strip().rstrip("%").strip())
            return int(value) if value.is_integer() else value
        return text

    def check(self, tool: str, key: str, value: Any) -> None:
        """Raise a user-facing error when a given (non-null) value has the wrong type."""
        ok = any(_is_type(value, t, self.items) for t in self.types)
        if not ok:
            raise TalkscopeError(f"{tool}: '{key}' must be {self.label().replace('|null', '')}, not "
                                 f"{type(value).__name__} {value!r:.60}; {self.description}")
        if value == [] and "array" in self.types:
            omit = " or leave it out for the default" if self.nullable else ""
            raise TalkscopeError(f"{tool}: '{key}' is an empty list: give at least one value{omit}; "
                                 f"{self.description}")


def _is_type(value: Any, kind: str, items: str) -> bool:
    if kind == "array":
        return isinstance(value, list) and all(_is_type(v, items, items) for v in value)
    if kind in ("integer", "number") and isinstance(value, bool):
        return False
    if kind == "number":
        return isinstance(value, int | float)
    return isinstance(value, JSON_TYPES[kind])


class Finding:
    """A tool's typed result. Subclass it as a dataclass: the fields are the numbers (`to_json()` gives
    the `data` of the JSON contract, fields marked `words_only()` left out); `summary()` is one line of
    evidence, `sentences(ref, cites)` the answer text citing `[ref]` (and the `cites` ids given to its
    `citable()` passages), `uncertainty()` how far it can be trusted."""

    OMIT_IF_NONE: ClassVar[tuple[str, ...]] = ()  # optional fields left out of the JSON when None

    def to_json(self) -> dict[str, Any]:
        out = {}
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if f.metadata.get("words_only") or (value is None and f.name in self.OMIT_IF_NONE):
                continue
            out[f.name] = value
        return out

    def summary(self) -> str:
        raise NotImplementedError

    def uncertainty(self) -> Uncertainty:
        raise NotImplementedError

    def sentences(self, ref: str, cites: Sequence[str] = ()) -> str:
        return f"{self.summary()} [{ref}]"

    def citable(self) -> list[Citable]:
        """Passages this result lets the answer cite as sources ([S1], ...)."""
        return []


def words_only(default: Any = None) -> Any:
    """A field that the words need but the JSON contract does not carry (e.g. the prompt)."""
    return field(default=default, metadata={"words_only": True}, repr=False, compare=False)


@dataclass(frozen=True)
class Citable:
    """A passage that an answer may cite as a source."""

    source: str
    chunk: int
    text: str
    relevance: float


@dataclass
class Failure(Finding):
    """A tool that could not run: kept as evidence so the answer can say why."""

    error: str
    tool: str = words_only("")

    def summary(self) -> str:
        return f"{self.tool} could not run: {self.error}"

    def uncertainty(self) -> Uncertainty:
        return Uncertainty.from_score(1.0, f"{self.tool} could not run")

    def sentences(self, ref: str, cites: Sequence[str] = ()) -> str:
        return f"I could not run {self.tool}: {self.error} [{ref}]."


@dataclass
class ToolResult:
    """What every tool returns: its typed finding, the arguments it ran with, a figure, its own time."""

    tool: str
    args: dict[str, Any]
    finding: Finding
    figure: str | None = None
    elapsed_s: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.finding, Finding):
            raise TalkscopeError(f"the tool '{self.tool}' returned {type(self.finding).__name__} where a Finding "
                                 "belongs: return `self.result(YourFinding(...))` (see the README, 'Add a tool')")

    @classmethod
    def failed(cls, tool: str, args: dict[str, Any], reason: str) -> ToolResult:
        return cls(tool, args, Failure(reason, tool))

    @property
    def ok(self) -> bool:
        return not isinstance(self.finding, Failure)

    @property
    def data(self) -> dict[str, Any]:
        return self.finding.to_json()

    @property
    def summary(self) -> str:
        return self.finding.summary()

    @property
    def uncertainty(self) -> Uncertainty:
        return self.finding.uncertainty()

    def sentences(self, ref: str, cites: Sequence[str] = ()) -> str:
        return self.finding.sentences(ref, cites)

    def citable(self) -> list[Citable]:
        return self.finding.citable()

    def to_json(self) -> dict[str, Any]:
        u = self.uncertainty
        return {
            "tool": self.tool,
            "args": self.args,
            "data": self.data,
            "evidence": {"summary": self.summary, "figure": self.figure},
            "uncertainty": {"level": u.level, "score": u.score, "basis": u.basis},
            "elapsed_s": round(self.elapsed_s, 4),
        }


@dataclass
class ToolContext:
    """What a tool may use: the model (loaded on first use), the document index, the output folder."""

    model_spec: str = "default"
    device: str | None = None
    index_dir: Path | None = None
    out_dir: Path = field(default_factory=lambda: Path("talkscope-out"))
    target_model_spec: str | None = None  # cross-model patchscopes patch into this model
    paths: PathPolicy = field(default_factory=PathPolicy.anything)  # which files a tool argument may name
    on_progress: Callable[[str, int, int], None] | None = None  # (what, done, total), for remote front ends
    table_state: TableState | None = None  # the table the table tools answer about (`--data`)
    text_state: TextState | None = None  # the text dataset the text tools answer about (`--data ... --text`)
    _model: ModelAdapter | None = None
    _target: ModelAdapter | None = None

    @property
    def model(self) -> ModelAdapter:
        if self._model is None:
            from talkscope.tools.engine.loading import load_model

            self._model = load_model(self.model_spec, device=self.device)
        return self._model

    @property
    def target_model(self) -> ModelAdapter | None:
        """The model patchscopes patch into, when it is not the source model (loaded on first use)."""
        if self.target_model_spec is None:
            return None
        if self._target is None:
            from talkscope.tools.engine.loading import load_model

            self._target = load_model(self.target_model_spec, device=self.device)
        return self._target

    @property
    def table(self) -> TableState:
        """The loaded table and its model; a user error saying how to load one when there is none."""
        if self.table_state is None:
            from talkscope.tools.engine.table.state import NO_TABLE

            raise TalkscopeError(NO_TABLE)
        return self.table_state

    @property
    def texts(self) -> TextState:
        """The loaded text dataset; a user error saying how to load one when there is none."""
        if self.text_state is None:
            from talkscope.tools.engine.text.state import NO_TEXTS

            raise TalkscopeError(NO_TEXTS)
        return self.text_state

    @property
    def model_loaded(self) -> bool:
        return self._model is not None

    def progress(self, total: int, description: str) -> Any:
        """A context manager yielding `advance(n)`; shows a bar on stderr when there is much to do, and reports
        to `on_progress` when a front end listens."""
        from talkscope.tools.engine.progress import progress_bar, reporting

        bar = progress_bar(total, description)
        return bar if self.on_progress is None else reporting(bar, total, description, self.on_progress)

    def user_path(self, text: str, what: str) -> Path:
        """A path named in a tool argument, checked against this context's path policy."""
        return self.paths.resolve(text, what)

    def figure_path(self, stem: str) -> Path:
        """A fresh numbered PNG path in the output folder, e.g. talkscope-out/attr-003.png (bounded per kind:
        see `next_figure_path`)."""
        from talkscope.tools.engine.paths import next_figure_path

        return next_figure_path(self.out_dir, stem)


MAX_PROMPT_TOKENS = 4096
PROMPT_ARGS = ("prompt", "target_prompt")


class Tool:
    """Base class of every tool. Subclasses set the class attributes and implement `run`."""

    name: ClassVar[str]
    description: ClassVar[str]
    inputs: ClassVar[dict[str, Arg]]
    examples: ClassVar[tuple[str, ...]] = ()  # questions it answers; the first is the headline in `help`
    # Turns that continue a conversation with this tool, each with the tools after whose answers it is suggested:
    # {"Now with occlusion": ("attribution",)}. They are exemplars too; an empty tuple: never suggested.
    follow_ups: ClassVar[dict[str, tuple[str, ...]]] = {}
    needs_model: ClassVar[bool] = True
    # "table" / "texts": answers about a loaded table / text dataset (routed only when one is loaded)
    domain: ClassVar[str] = "model"
    # Routing data (exemplars beyond `examples`, slot rules): a path inside the tool's package, or a dict.
    # None: `data/routes/<name>.json` in the tool's package, if it exists.
    route_data: ClassVar[str | dict[str, Any] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "run" not in cls.__dict__:
            return  # a shared base of several tools (e.g. TableTool): its subclasses are checked
        params = list(inspect.signature(cls.run).parameters)
        if params[:2] != ["self", "ctx"] or set(params[2:]) != set(cls.inputs):
            raise TypeError(
                f"{cls.__name__}.run must take (self, ctx, {', '.join(cls.inputs)}); got {params}"
            )

    def run(self, ctx: ToolContext, **args: Any) -> ToolResult:
        raise NotImplementedError

    def needs_model_for(self, args: dict[str, Any]) -> bool:
        """Whether this call reads the model (loaded before timing starts); tools may refine it."""
        return self.needs_model

    @staticmethod
    def check_prompt_lengths(ctx: ToolContext, args: dict[str, Any]) -> None:
        """Refuse a prompt longer than `MAX_PROMPT_TOKENS`: every tool's work grows with it, and past this
        length an answer takes minutes on a CPU (benchmarks/long_prompts.py times every tool at 2,000 tokens)."""
        for key in PROMPT_ARGS:
            text = args.get(key)
            if isinstance(text, str) and len(text.encode()) + 2 > MAX_PROMPT_TOKENS:  # tokens <= bytes + specials
                n = len(ctx.model.tokenizer(text)["input_ids"])
                if n > MAX_PROMPT_TOKENS:
                    raise TalkscopeError(f"the {key.replace('_', ' ')} has {n:,} tokens; talkscope's tools read "
                                         f"at most {MAX_PROMPT_TOKENS:,}: shorten it")

    def result(self, finding: Finding, figure: Any = None) -> ToolResult:
        """Wrap a finding; `__call__` fills in the arguments and the time."""
        return ToolResult(self.name, {}, finding, None if figure is None else str(figure))

    @classmethod
    def normalize_args(cls, args: dict[str, Any] | None) -> dict[str, Any]:
        """Every schema argument present (defaults filled); unknown names, wrong types and bad choices refused."""
        args = dict(args or {})
        unknown = sorted(set(args) - set(cls.inputs))
        if unknown:
            raise TalkscopeError(
                f"{cls.name} has no argument {', '.join(map(repr, unknown))}; "
                f"its arguments are: {', '.join(cls.inputs) or 'none'}"
            )
        out: dict[str, Any] = {}
        for key, spec in cls.inputs.items():
            value = args.get(key, spec.default)
            if value is None:
                value = spec.default
            if spec.required and (value is None or (isinstance(value, str) and not value.strip())):
                raise TalkscopeError(f"{cls.name} needs a non-empty '{key}': {spec.description}")
            if value is not None:
                spec.check(cls.name, key, value)
            allowed = spec.allowed()
            if allowed and value is not None and value not in allowed:
                raise TalkscopeError(f"{cls.name}: '{value}' is not a valid {key}; choose one of: {', '.join(allowed)}")
            out[key] = value
        return out

    def __call__(self, ctx: ToolContext, args: dict[str, Any] | None = None) -> ToolResult:
        """Validate the arguments, run, and time the tool's own computation."""
        clean = self.normalize_args(args)
        if self.needs_model_for(clean):
            _ = ctx.model  # load outside the timed region: elapsed_s excludes model loading
            self.check_prompt_lengths(ctx, clean)
        start = time.perf_counter()
        result = self.run(ctx, **clean)
        result.elapsed_s = time.perf_counter() - start
        result.args = clean
        return result


_REGISTRY: dict[str, type[Tool]] = {}
_PLUGINS_LOADED = False


def register_tool(cls: type[Tool]) -> type[Tool]:
    """Add a tool class to the registry (usable as a decorator)."""
    _REGISTRY[cls.name] = cls
    return cls


def unregister_tool(name: str) -> None:
    """Remove a tool from the registry (an add-on that is switched off; tests)."""
    _REGISTRY.pop(name, None)


def _load_plugins() -> None:
    """Load every `talkscope.tools` entry point, all or nothing: a broken plugin is named in the error and
    leaves the registry as it was, so the next call tries again instead of running half a catalog."""
    global _PLUGINS_LOADED
    if _PLUGINS_LOADED:
        return
    loaded: dict[str, type[Tool]] = {}
    for ep in entry_points(group="talkscope.tools"):
        try:
            cls = ep.load()
        except Exception as err:  # any import failure of a plugin is reported with its name
            raise TalkscopeError(f"the tool plugin '{ep.name}' ({ep.value}) failed to load: "
                                 f"{type(err).__name__}: {err}; fix or uninstall it") from err
        if not (isinstance(cls, type) and issubclass(cls, Tool)):
            raise TalkscopeError(f"the tool plugin '{ep.name}' ({ep.value}) is not a Tool class")
        if cls.name in loaded and loaded[cls.name] is not cls:
            raise TalkscopeError(f"two tool plugins are named '{cls.name}' ({loaded[cls.name].__module__} and "
                                 f"{cls.__module__}): uninstall one")
        loaded[cls.name] = cls
    merged = {**loaded, **_REGISTRY}  # a tool registered in code overrides a plugin of the same name
    _REGISTRY.clear()
    _REGISTRY.update(merged)
    _PLUGINS_LOADED = True


def list_tools() -> list[type[Tool]]:
    """Registered tools, in registration order."""
    _load_plugins()
    return list(_REGISTRY.values())


def get_tool(name: str) -> Tool:
    """An instance of the named tool; an unknown name lists the available ones."""
    _load_plugins()
    if name not in _REGISTRY:
        raise TalkscopeError(
            f"unknown tool '{name}'; available tools: {', '.join(_REGISTRY)} (see `talkscope tools`)"
        )
    return _REGISTRY[name]()
