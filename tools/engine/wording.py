"""Small helpers for putting layer-by-layer findings into words (used by the tools' `sentences`)."""

from __future__ import annotations


def layer_span(layers: list[int]) -> str:
    """'layer 4', 'layers 2–5' for a run of consecutive layers, else 'layers 1, 5 and 12'."""
    if len(layers) == 1:
        return f"layer {layers[0]}"
    if layers == list(range(layers[0], layers[-1] + 1)):
        return f"layers {layers[0]}–{layers[-1]}"
    return "layers " + ", ".join(map(str, layers[:-1])) + f" and {layers[-1]}"


def runs(layers: list[int], labels: list[str]) -> list[tuple[list[int], str]]:
    """Consecutive layers with the same label, grouped: [([0, 1, 2], 'France'), ([3], '...')]."""
    groups: list[tuple[list[int], str]] = []
    for layer, label in zip(layers, labels):
        if groups and groups[-1][1] == label:
            groups[-1][0].append(layer)
        else:
            groups.append(([layer], label))
    return groups


def layer_runs(layers: list[int], labels: list[str], n_layers: int) -> str:
    """'layers 0–3 → "France"; layer 4 → "Paris" (the model has 18 layers; 0 is the embedding output)'."""
    parts = "; ".join(f"{layer_span(ls)} → {lab}" for ls, lab in runs(layers, labels))
    return f"{parts} (the model has {n_layers} layers; 0 is the embedding output)"
