"""The model adapter: with `families.py`, the only code that knows where an architecture keeps its parts.

Layer numbering (docs/design.md): layer 0 is the embedding output (the input of the first decoder
block), layer l in 1..L is the output of decoder block l, and layer L is the raw residual stream
*before* the final norm. Every tool reads and patches the residual stream through this class.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.families import (
    LAYER_ATTRS,
    NORM_ATTRS,
    block_part,
    cache_kwargs,
    eager_attention,
    find_part,
    refuse_attention_weights,
    refuse_custom_mask,
)
from talkscope.tools.engine.unembed import label_logprob


@dataclass(frozen=True)
class Encoding:
    """A tokenized prompt: ids, each token as text, character spans, and which tokens are special."""

    text: str
    ids: list[int]
    tokens: list[str]
    offsets: list[tuple[int, int]]
    special: list[bool]

    def __len__(self) -> int:
        return len(self.ids)

    def tensor(self, device: torch.device | str) -> torch.Tensor:
        return torch.tensor([self.ids], device=device)


@dataclass(frozen=True)
class Patch:
    """Overwrite the residual stream at (layer, position) of batch row `row` with `vector`."""

    layer: int
    position: int
    vector: torch.Tensor  # [hidden_size]
    row: int = 0


class ModelAdapter:
    """A loaded causal LM with a tokenizer, seen through the layer and position numbering of docs/design.md."""

    def __init__(self, model: nn.Module, tokenizer: Any, name: str, source: str = "") -> None:
        """`tokenizer` is a tokenizer or a zero-argument callable returning one (resolved on first use,
        so commands that never tokenize, like `info`, do not wait for it)."""
        self.model = model.eval()
        for p in self.model.parameters():
            p.requires_grad_(False)
        self._tokenizer = None if callable(tokenizer) and not hasattr(tokenizer, "encode") else tokenizer
        self._tokenizer_loader = tokenizer
        self.name = name
        self.source = source
        self.config = model.config
        self._blocks: nn.ModuleList = find_part(model, LAYER_ATTRS, "decoder blocks")
        self._norm: nn.Module = find_part(model, NORM_ATTRS, "final norm")
        self._unembed: nn.Module = model.get_output_embeddings()
        self._softcap = getattr(self.config, "final_logit_softcapping", None)

    @property
    def tokenizer(self) -> Any:
        if self._tokenizer is None:
            self._tokenizer = self._tokenizer_loader()
        if getattr(self._tokenizer, "pad_token_id", None) is None:
            self._tokenizer.pad_token = self._tokenizer.eos_token
        return self._tokenizer

    # ---- facts ----------------------------------------------------------------------------
    @property
    def n_layers(self) -> int:
        """L: the number of decoder blocks. Valid layers are 0..L."""
        return len(self._blocks)

    @property
    def blocks(self) -> nn.ModuleList:
        """The decoder blocks, in order (block l is layer l's output)."""
        return self._blocks

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return next(self.model.parameters()).dtype

    @property
    def hidden_size(self) -> int:
        return int(self.config.hidden_size)

    @property
    def max_length(self) -> int:
        return int(getattr(self.config, "max_position_embeddings", 0) or getattr(self.config, "n_positions", 0))

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "layers": self.n_layers, "device": str(self.device)}

    # ---- tokens ---------------------------------------------------------------------------
    def encode(self, text: str, add_special_tokens: bool = True) -> Encoding:
        if not text or not text.strip():
            raise TalkscopeError("the prompt is empty: give the text the model should read, in quotes")
        enc = self.tokenizer(text, add_special_tokens=add_special_tokens, return_offsets_mapping=True)
        ids = list(enc["input_ids"])
        if self.max_length and len(ids) > self.max_length:
            raise TalkscopeError(
                f"the prompt has {len(ids)} tokens but {self.name} reads at most {self.max_length}: shorten it"
            )
        specials = set(self.tokenizer.all_special_ids)
        tokens = [self.tokenizer.decode([i]) for i in ids]
        return Encoding(text, ids, tokens, [tuple(o) for o in enc["offset_mapping"]], [i in specials for i in ids])

    def left_pad(self, rows: Sequence[Encoding | Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """A batch of encodings (or token id lists) as (input_ids, attention_mask) [B, T], padded on the left so
        that every row's last token is at position -1 (positions are corrected for padding where they are used)."""
        seqs = [r.ids if isinstance(r, Encoding) else list(r) for r in rows]
        width = max(len(s) for s in seqs)
        pad = self.tokenizer.pad_token_id
        ids = torch.tensor([[pad] * (width - len(s)) + s for s in seqs], device=self.device)
        mask = torch.tensor([[0] * (width - len(s)) + [1] * len(s) for s in seqs], device=self.device)
        return ids, mask

    def decode(self, ids: Sequence[int]) -> str:
        return self.tokenizer.decode(list(ids), skip_special_tokens=True)

    def position_of(self, enc: Encoding, token: str | int | None) -> int:
        """Index of a position: None = last token, an int (negative from the end), or text = the last
        token of the first occurrence of that text in the prompt."""
        if token is None:
            return len(enc) - 1
        if isinstance(token, int):
            if not -len(enc) <= token < len(enc):
                raise TalkscopeError(f"position {token} is outside the prompt's {len(enc)} tokens")
            return token % len(enc)
        start = enc.text.find(token)
        if start < 0 or not token.strip():
            listed = ", ".join(repr(t) for t, s in zip(enc.tokens, enc.special) if not s)
            raise TalkscopeError(f"'{token}' is not in the prompt; its tokens are: {listed}")
        end = start + len(token)
        last = [i for i, (a, b) in enumerate(enc.offsets) if a < end and b > start and not enc.special[i]]
        return last[-1]

    # ---- layers ---------------------------------------------------------------------------
    def check_layers(self, layer: int | Sequence[int] | None) -> list[int]:
        """Validate a layer argument (None = every layer 0..L) and return a sorted list."""
        layers = list(range(self.n_layers + 1)) if layer is None else (
            [layer] if isinstance(layer, int) else list(layer)
        )
        bad = [x for x in layers if not isinstance(x, int) or not 0 <= x <= self.n_layers]
        if bad or not layers:
            raise TalkscopeError(
                f"layer {bad[0] if bad else '[]'} does not exist: {self.name} has layers 0-{self.n_layers} "
                f"(0 is the embedding output, {self.n_layers} the last block)"
            )
        return sorted(set(layers))

    def _hook_point(self, layer: int) -> tuple[nn.Module, bool]:
        """(module, is_pre_hook): layer 0 is the first block's input, layer l the l-th block's output."""
        if layer == 0:
            return self._blocks[0], True
        return self._blocks[layer - 1], False

    @torch.no_grad()
    def residual_stream(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
        layers: Sequence[int] | None = None,
    ) -> torch.Tensor:
        """Hidden states [len(layers), batch, seq, hidden] from one forward (no unembedding)."""
        layers = self.check_layers(None if layers is None else list(layers))
        captured: dict[int, torch.Tensor] = {}
        handles = []
        for layer in layers:
            module, pre = self._hook_point(layer)

            def grab(_m: nn.Module, args: Any, kw_or_out: Any, *rest: Any, layer: int = layer, pre: bool = pre) -> None:
                captured[layer] = _hidden_of(args, kw_or_out) if pre else _hidden(rest[0])

            handles.append(
                module.register_forward_pre_hook(grab, with_kwargs=True) if pre
                else module.register_forward_hook(grab, with_kwargs=True)
            )
        try:
            # with left padding, positions count real tokens only (as `generate` does)
            positions = None if attention_mask is None else (attention_mask.cumsum(-1) - 1).clamp(min=0)
            self.model.base_model(input_ids=input_ids, attention_mask=attention_mask, position_ids=positions,
                                  use_cache=False)
        finally:
            for h in handles:
                h.remove()
        return torch.stack([captured[x] for x in layers])

    @contextmanager
    def patch(self, patches: Sequence[Patch], start: int = 0) -> Iterator[None]:
        """Overwrite the residual stream at the given (layer, position, row) inside the block.

        Only the first forward through each patched layer is changed: in `generate` that is the
        prompt (prefill) pass, and the KV-cache decoding steps after it are left untouched. `start` is
        the absolute position of that pass's first token (non-zero when a shared prefix is cached)."""
        self.check_layers([p.layer for p in patches] or None)
        by_layer: dict[int, list[Patch]] = {}
        for p in patches:
            by_layer.setdefault(p.layer, []).append(p)
        done: set[int] = set()

        def apply(h: torch.Tensor, layer: int) -> torch.Tensor:
            if layer in done:  # a later pass: KV-cache decoding steps are not patched
                return h
            done.add(layer)
            h = h.clone()
            for p in by_layer[layer]:
                if not 0 <= p.position - start < h.shape[1]:
                    raise ValueError(f"patch position {p.position} outside this pass ({start}..{start + h.shape[1]})")
                h[p.row, p.position - start] = p.vector.to(h.dtype)
            return h

        handles = []
        for layer in by_layer:
            module, pre = self._hook_point(layer)
            if pre:
                def pre_hook(_m: nn.Module, args: Any, kwargs: dict, layer: int = layer) -> Any:
                    if args:
                        return (apply(args[0], layer), *args[1:]), kwargs
                    return args, {**kwargs, "hidden_states": apply(kwargs["hidden_states"], layer)}

                handles.append(module.register_forward_pre_hook(pre_hook, with_kwargs=True))
            else:
                def post_hook(_m: nn.Module, _a: Any, out: Any, layer: int = layer) -> Any:
                    if isinstance(out, tuple):
                        return (apply(out[0], layer), *out[1:])
                    return apply(out, layer)

                handles.append(module.register_forward_hook(post_hook))
        try:
            yield
        finally:
            for h in handles:
                h.remove()

    @contextmanager
    def edit_sites(self, edits: dict[tuple[str, int], Callable[[torch.Tensor], torch.Tensor]]) -> Iterator[None]:
        """Apply `edit(output) -> output` at each site of the forwards run inside: ("state", l) is the residual
        stream at layer l (0..L), ("mlp", l) and ("attn", l) the MLP and attention outputs of block l (1..L),
        before they are added to the residual stream. An edit may only record (and return its input)."""
        handles = []
        for (site, layer), edit in edits.items():
            if site == "state":
                self.check_layers(layer)
                module, pre = self._hook_point(layer)
            else:
                if not 1 <= layer <= self.n_layers:
                    raise TalkscopeError(f"block {layer} does not exist: {self.name} has blocks 1-{self.n_layers}")
                module, pre = block_part(self._blocks[layer - 1], site, self.model), False
            handles.append(module.register_forward_pre_hook(_pre_edit(edit), with_kwargs=True) if pre
                           else module.register_forward_hook(_post_edit(edit)))
        try:
            yield
        finally:
            for h in handles:
                h.remove()

    # ---- reading predictions ----------------------------------------------------------------
    def logits_from_residual(self, hidden: torch.Tensor) -> torch.Tensor:
        """Final norm + unembedding (+ soft-capping where the model has it): [..., D] -> [..., V].
        Call it on the positions you read only: the default model's vocabulary has 262k entries."""
        logits = self._unembed(self._norm(hidden))
        return self._cap(logits)

    def final_norm(self, hidden: torch.Tensor) -> torch.Tensor:
        """The final norm alone ([..., D] -> [..., D]): what `token_logprob` and `head` read."""
        return self._norm(hidden)

    def _cap(self, logits: torch.Tensor) -> torch.Tensor:
        """The final logit soft-capping of the architectures that have it (Gemma 2): cap * tanh(z / cap)."""
        return torch.tanh(logits / self._softcap) * self._softcap if self._softcap else logits

    def token_embeddings(self, input_ids: torch.Tensor) -> torch.Tensor:
        """The input-embedding module's output for these ids ([..., D]); scaled where the architecture
        scales it (Gemma), before position embeddings where it adds them (GPT-2). This is what
        `logits_from_embeddings` takes, and what attribution methods perturb."""
        return self.model.get_input_embeddings()(input_ids)

    def logits_from_embeddings(self, embeds: torch.Tensor, keep: int) -> torch.Tensor:
        """Logits of the last `keep` positions ([B, keep, V]) for input embeddings [B, T, D]; gradients
        flow when `embeds` requires them. Only those positions are unembedded."""
        return self.head(self.normed_from_embeddings(embeds)[:, -keep:])

    def normed_from_embeddings(self, embeds: torch.Tensor, position_ids: torch.Tensor | None = None,
                               attention_mask: torch.Tensor | None = None, past: Any = None) -> torch.Tensor:
        """Final-normed hidden states [B, T, D] for input embeddings [B, T, D]. `attention_mask` may be a
        custom additive 4D mask [B, 1, T, len(past) + T] (used as given, with explicit `position_ids`);
        `past` is consumed: the call appends to it."""
        if attention_mask is not None and attention_mask.dim() == 4:
            refuse_custom_mask(self.model, self.name)
        out = self.model.base_model(inputs_embeds=embeds, position_ids=position_ids, attention_mask=attention_mask,
                                    use_cache=past is not None, **cache_kwargs(self.model, past))
        return out.last_hidden_state

    @staticmethod
    def empty_cache() -> Any:
        """A key/value cache to fill with `normed_from_embeddings`: a plain `DynamicCache`, every layer
        kept whole (callers using one stay inside the sliding window)."""
        from transformers import DynamicCache

        return DynamicCache()

    @classmethod
    def cache_prefix(cls, cache: Any, length: int, rows: int | None = None) -> Any:
        """A new cache holding the first `length` positions of `cache` (which stays as it is), its one
        row repeated for `rows` rows if given."""
        out = cls.empty_cache()
        for i, layer in enumerate(cache.layers):
            keys, values = layer.keys[..., :length, :], layer.values[..., :length, :]
            if rows is not None:
                keys, values = keys.expand(rows, -1, -1, -1), values.expand(rows, -1, -1, -1)
            out.update(keys, values, i)
        return out

    @property
    def sliding_window(self) -> int | None:
        return getattr(self.config, "sliding_window", None)

    def head(self, normed: torch.Tensor) -> torch.Tensor:
        """Unembedding of already-normed states [B, k, D] -> [B, k, V]. Flattened to one matrix
        product: transformers' `logits_to_keep` slice makes torch fall back to a batched matmul over an
        expanded 262k x 640 weight, several times slower on CPU. Without gradients the product is
        written `W @ h.T` (the logits come back as a transposed view), which torch runs 2-3x faster
        than `linear` for a few rows on CPU (tools/unembed.py)."""
        b, k, d = normed.shape
        flat = normed.reshape(b * k, d).contiguous()
        if torch.is_grad_enabled() and flat.requires_grad:
            logits = self._unembed(flat)
        else:
            logits = (self._unembed.weight @ flat.t()).t()
            if self._unembed.bias is not None:
                logits = logits + self._unembed.bias
        logits = logits.reshape(b, k, -1)
        return self._cap(logits)

    def label_logprob(self, normed: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Summed log-probability of `labels` [k] read at k final-normed positions per row ([R, k, D] -> [R],
        float32), without materialising the logits (tools/unembed.py). Differentiable in `normed`."""
        r, k, d = normed.shape
        return self.token_logprob(normed.reshape(r * k, d), labels.expand(r, k).reshape(-1)).view(r, k).sum(-1)

    def token_logprob(self, normed: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """The log-probability of each row's own label read at a final-normed state ([N, D], [N] -> [N], float32),
        without materialising the logits. Differentiable in `normed`."""
        return label_logprob(normed, self._unembed.weight, self._unembed.bias, labels, self._softcap)

    @torch.no_grad()
    def attention_weights(self, input_ids: torch.Tensor) -> torch.Tensor:
        """Attention probabilities of every layer, [L, heads, T, T], for one sequence (eager attention, which
        some families need switched through their config: `families.eager_attention`)."""
        refuse_attention_weights(self.model, self.name)
        with eager_attention(self.model):
            out = self.model.base_model(input_ids=input_ids, output_attentions=True, use_cache=False)
        return torch.stack([a[0] for a in out.attentions]).float()

    @torch.no_grad()
    def next_token_logits(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Logits for the token after the last position: [batch, V], computing only that position."""
        last = self.model.base_model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False)
        return self.head(last.last_hidden_state[:, -1:])[:, -1].float()


def _pre_edit(edit: Callable[[torch.Tensor], torch.Tensor]) -> Callable[..., Any]:
    def hook(_m: nn.Module, args: tuple, kwargs: dict) -> Any:
        if args:
            return (edit(args[0]), *args[1:]), kwargs
        return args, {**kwargs, "hidden_states": edit(kwargs["hidden_states"])}

    return hook


def _post_edit(edit: Callable[[torch.Tensor], torch.Tensor]) -> Callable[..., Any]:
    def hook(_m: nn.Module, _a: Any, out: Any) -> Any:
        return (edit(out[0]), *out[1:]) if isinstance(out, tuple) else edit(out)

    return hook


def _hidden(out: Any) -> torch.Tensor:
    """A decoder block's output: a tensor in current transformers, a tuple in older versions."""
    return (out[0] if isinstance(out, tuple) else out).detach()


def _hidden_of(args: tuple, kwargs: dict) -> torch.Tensor:
    return (args[0] if args else kwargs["hidden_states"]).detach()
