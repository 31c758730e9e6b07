"""Per-tool sentences built from evidence data and the templates in `data/templates.json`.
Only numbers present in the evidence are written, each sentence ends with its evidence marker."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from typing import Any

from talkscope.agent.reply import EvidenceItem


@lru_cache(maxsize=1)
def templates() -> dict[str, Any]:
    return json.loads(files("talkscope.agent").joinpath("data/templates.json").read_text())


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


def attribution_text(item: EvidenceItem) -> str:
    """What is explained, where the largest shares are, and the self-check."""
    t, d = templates(), item.data
    ph, names = t["phrases"], t["method_names"]
    what = ph["own_target" if d["target_is_models_own"] else "named_target"].format(data=d)
    if d["contrast"]:
        what = ph["contrast"].format(target=what, data=d)
    top = " and ".join(ph["top_item"].format(**x) for x in d["top"][:2])
    text = t["answers"]["attribution"].format(what=what, data=d, id=item.id, method_name=names[d["method"]],
                                              top=top)
    if "completeness_error_rel" in d:
        text += " " + ph["completeness"].format(data=d, id=item.id)
    if "check" in d:
        c = d["check"]
        key = "check_agree" if c["spearman"] >= 0.5 and c["top_match"] else "check_disagree"
        text += " " + ph[key].format(check=c, check_name=names[c["method"]], id=item.id,
                                     top_word="same" if c["top_match"] else "a different")
    if d["method"] == "attention":
        text += " " + ph["attention_caveat"]
    return text


def patchscope_text(item: EvidenceItem) -> str:
    t, d = templates(), item.data
    ph = t["phrases"]
    fmt = set(d["format_only_layers"])
    labels = [ph["nothing"] if ell in fmt else f"\"{x.strip()}\"" for ell, x in zip(d["layers"], d["decoded"])]
    parts = "; ".join(ph["layer_run"].format(layers=layer_span(ls), text=lab) for ls, lab in runs(d["layers"], labels))
    text = t["answers"]["patchscope"].format(kind=d["kind"], token=d["token"].strip(), position=d["position"],
                                             runs=f"{parts} {ph['of_layers'].format(n=d['n_layers'])}", id=item.id)
    if fmt:
        text += " " + ph["format_note"].format(layers=layer_span(sorted(fmt)), token=d["token"].strip(), id=item.id)
    return text


def logit_lens_text(item: EvidenceItem) -> str:
    t, d = templates(), item.data
    ph = t["phrases"]
    firsts = [top[0]["token"] for top in d["top"]]
    labels = [ph["lens_item"].format(**top[0]) if len(d["layers"]) == 1 else f"\"{top[0]['token']}\""
              for top in d["top"]]
    parts = "; ".join(ph["layer_run"].format(layers=layer_span(ls), text=lab) for ls, lab in runs(d["layers"], labels))
    final = firsts[-1]
    first = d["layers"][-1]
    for layer, tok in zip(reversed(d["layers"]), reversed(firsts)):
        if tok != final:
            break
        first = layer
    settle = ph["settle"].format(final=final, p=d["top"][-1][0]["prob"], first=first, id=item.id)
    return t["answers"]["logit_lens"].format(token=d["token"].strip(), position=d["position"],
                                             runs=f"{parts} {ph['of_layers'].format(n=d['n_layers'])}",
                                             id=item.id, settle=settle)


def probe_text(item: EvidenceItem) -> str:
    t, d = templates(), item.data
    i = d["layers"].index(d["best_layer"])
    text = t["answers"]["probe"].format(
        concept=d["concept"], best=d["best_layer"], n=d["n_layers"], acc=d["accuracy"][i], lo=d["ci_low"][i],
        hi=d["ci_high"][i], ctrl=d["control_accuracy"][i], maj=d["majority_baseline"], appears=d["appears_layer"],
        id=item.id)
    if not d["clearly_above_control"]:
        text += " " + t["phrases"]["probe_weak"].format(concept=d["concept"], id=item.id)
    return text


def confidence_text(item: EvidenceItem) -> str:
    t, d = templates(), item.data
    ph = t["phrases"]
    text = t["answers"]["confidence"].format(
        prompt=item.data.get("prompt", ""), answer=d["answer"], score=d["score"], answer_prob=d["answer_prob"],
        agree=round(d["agreement"] * d["n_samples"]), n=d["n_samples"], se=d["semantic_entropy_bits"], id=item.id)
    others = [a for a in d["alternatives"] if a["answer"] and not a["same_as_answer"]][:3]
    if others:
        items = ", ".join(ph["alternative_item"].format(**a) for a in others)
        text += " " + ph["alternatives"].format(items=items, id=item.id)
    if d["calibration"]["warning"]:
        text += " " + ph["calibration_warning"].format(warning=d["calibration"]["warning"], id=item.id)
    return text


BUILDERS = {"attribution": attribution_text, "patchscope": patchscope_text, "logit_lens": logit_lens_text,
            "probe": probe_text, "confidence": confidence_text}
