"""The tool protocol, typed results and the registry.

A tool is a small class: `name`, `description`, `inputs` (the argument schema, a contract shared
with the router, the CLI and the LangChain export) and one `run` method whose keyword arguments
must match `inputs` exactly; the match is checked when the class is defined, so a mismatch fails
at import rather than in front of a user. Tools register through the `talkscope.tools` entry point
group, the built-ins included, so the extension point is always exercised.
"""

from __future__ import annotations

import inspect
import time
from dataclasses import asdict, dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from talkscope.tools.errors import TalkscopeError

if TYPE_CHECKING:
    from talkscope.tools.model import ModelAdapter

Level = Literal["low", "medium", "high"]


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


@dataclass(frozen=True)
class Arg:
    """One argument of a tool's schema. `default` None means the tool chooses."""

    type: str  # "str", "int", "int|list[int]", "str|null" ... (documentation and LangChain export)
    description: str
    default: Any = None
    choices: tuple[str, ...] | None = None
    required: bool = False


@dataclass
class ToolResult:
    """What every tool returns: numbers (`data`), one sentence of evidence, and its uncertainty."""

    tool: str
    args: dict[str, Any]
    data: dict[str, Any]
    summary: str
    uncertainty: Uncertainty
    figure: str | None = None
    elapsed_s: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "args": self.args,
            "data": self.data,
            "evidence": {"summary": self.summary, "figure": self.figure},
            "uncertainty": asdict(self.uncertainty),
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
    _model: ModelAdapter | None = None
    _target: ModelAdapter | None = None

    @property
    def model(self) -> ModelAdapter:
        if self._model is None:
            from talkscope.tools.loading import load_model

            self._model = load_model(self.model_spec, device=self.device)
        return self._model

    @property
    def target_model(self) -> ModelAdapter | None:
        """The model patchscopes patch into, when it is not the source model (loaded on first use)."""
        if self.target_model_spec is None:
            return None
        if self._target is None:
            from talkscope.tools.loading import load_model

            self._target = load_model(self.target_model_spec, device=self.device)
        return self._target

    @property
    def model_loaded(self) -> bool:
        return self._model is not None

    def progress(self, total: int, description: str) -> Any:
        """A context manager yielding `advance(n)`; shows a bar on stderr when there is much to do."""
        from talkscope.tools.progress import progress_bar

        return progress_bar(total, description)

    def figure_path(self, stem: str) -> Path:
        """A fresh numbered PNG path in the output folder, e.g. talkscope-out/attr-003.png."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        n = len(list(self.out_dir.glob(f"{stem}-*.png"))) + 1
        return self.out_dir / f"{stem}-{n:03d}.png"


class Tool:
    """Base class of every tool. Subclasses set the class attributes and implement `run`."""

    name: ClassVar[str]
    description: ClassVar[str]
    inputs: ClassVar[dict[str, Arg]]
    examples: ClassVar[tuple[str, ...]] = ()  # questions a user might ask; shown by `help`
    needs_model: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
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

    @classmethod
    def normalize_args(cls, args: dict[str, Any] | None) -> dict[str, Any]:
        """Every schema argument present (defaults filled), unknown names and bad choices refused."""
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
            if spec.choices and value is not None and value not in spec.choices:
                raise TalkscopeError(
                    f"{cls.name}: '{value}' is not a valid {key}; choose one of: {', '.join(spec.choices)}"
                )
            out[key] = value
        return out

    def __call__(self, ctx: ToolContext, args: dict[str, Any] | None = None) -> ToolResult:
        """Validate the arguments, run, and time the tool's own computation."""
        clean = self.normalize_args(args)
        if self.needs_model_for(clean):
            _ = ctx.model  # load outside the timed region: elapsed_s excludes model loading
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


def _load_plugins() -> None:
    global _PLUGINS_LOADED
    if _PLUGINS_LOADED:
        return
    _PLUGINS_LOADED = True
    for ep in entry_points(group="talkscope.tools"):
        register_tool(ep.load())


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
