"""Findings of every built-in tool with fixed numbers, for the fast tests of wording, composing and
rendering (no model: these test how given numbers are put into words, not the numbers themselves)."""

from __future__ import annotations

from talkscope.tools.attribution import Agreement, AttributionFinding
from talkscope.tools.base import ToolResult
from talkscope.tools.confidence import ConfidenceFinding
from talkscope.tools.generate import GenerateFinding
from talkscope.tools.help import HelpFinding
from talkscope.tools.logit_lens import LogitLensFinding
from talkscope.tools.patchscope import PatchscopeFinding
from talkscope.tools.probe import ProbeFinding
from talkscope.tools.sources import SourcesFinding

TOKENS = ["<bos>", "The", " capital", " of", " France", " is"]


def generate() -> GenerateFinding:
    return GenerateFinding(" the capital of the country", [" the", " capital"], [0.19, 0.5], [4.3, 2.0],
                           prompt="The capital of France is")


def attribution(check: Agreement | None = None, method: str = "integrated_gradients") -> AttributionFinding:
    return AttributionFinding(
        top=[{"token": " France", "position": 4, "share": 0.38}, {"token": " capital", "position": 2, "share": 0.28},
             {"token": " is", "position": 5, "share": 0.2}],
        tokens=TOKENS, scores=[0.0, 0.1, 0.5, 0.05, 0.7, 0.36], method=method, target=" Paris", contrast=None,
        target_logprob=-2.48, target_is_models_own=False, target_tokens=[" Paris"],
        special=[True, False, False, False, False, False], shares=[0.0, 0.06, 0.28, 0.03, 0.38, 0.2],
        n_steps=32, completeness_error=0.02, completeness_error_rel=0.01, check=check)


def patchscope() -> PatchscopeFinding:
    return PatchscopeFinding(position=4, token=" France", layers=[2, 3, 4, 5],
                             decoded=[" France", " France", "\n", " Paris"],
                             decoded_logprob=[-0.2, -0.3, -1.0, -0.9], first_prob=[0.8, 0.7, 0.4, 0.5], kind="identity",
                             target_prompt="cat -> cat; x", stability=0.75, format_only_layers=[4], n_layers=18,
                             target_model=None, target_layers=[2, 3, 4, 5])


def logit_lens() -> LogitLensFinding:
    top = [[{"token": t, "prob": p}] for t, p in [(" is", 0.3), (" Paris", 0.2), (" Paris", 0.4), (" the", 0.19)]]
    return LogitLensFinding(position=5, token=" is", layers=[12, 13, 14, 18], top=top, stability=0.5, n_layers=18)


def probe(clear: bool = True, note: str | None = None) -> ProbeFinding:
    return ProbeFinding(concept="tense", pooling="last", layers=[0, 1, 2], accuracy=[0.5, 0.9, 0.95],
                        ci_low=[0.45, 0.86, 0.92], ci_high=[0.55, 0.93, 0.97], control_accuracy=[0.5, 0.52, 0.49],
                        grouped_accuracy=[0.5, 0.8, 0.9], grouped_ci_low=[0.45, 0.76, 0.87],
                        grouped_ci_high=[0.55, 0.84, 0.93], control_task_accuracy=[0.5, 0.9, 0.8],
                        selectivity=[0.0, 0.0, 0.15], permuted_selectivity=[0.0, 0.38, 0.46], majority_baseline=0.5,
                        best_layer=2, appears_layer=2, n_examples=488, classes=["past", "present"], groups=30,
                        group_note=note, lexical_baseline=0.52, lexical_ci_low=0.47, lexical_ci_high=0.56,
                        lexical_baseline_stratified=1.0, n_layers=18, clearly_above_control=clear, dataset="tense",
                        group_name="verbs")


def confidence(warning: str | None = None) -> ConfidenceFinding:
    return ConfidenceFinding(
        prompt="The capital of Australia is", answer="Canberra.", score=0.62,
        samples=["Canberra."] * 7 + ["Sydney."] * 3,
        agreement=0.7, answer_prob=0.41, first_token_prob=0.3, mean_entropy_bits=2.1, semantic_entropy_bits=0.88,
        n_samples=10, alternatives=[{"answer": "Canberra.", "count": 7, "same_as_answer": True},
                                    {"answer": "Sydney.", "count": 3, "same_as_answer": False}],
        calibration={"fitted_on": "gemma-3-270m", "n_train": 285, "warning": warning})


def passage(source: str, relevance: float, verdict: str | None, text: str, row: int | None = None) -> dict:
    return {"source": source, "chunk": 0, "text": text, "relevance": relevance, "row": row, "start": 0,
            "end": len(text), "verdict": verdict}


def sources(cited: int = 2) -> SourcesFinding:
    passages = [passage("/docs/france.md", 0.71, "supports", "France is in Europe. Its capital is Paris."),
                passage("/docs/cities.csv", 0.52, "related", "Lyon is a city in France.", row=3),
                passage("/docs/moon.md", 0.12, "related", "The Moon orbits the Earth.")]
    return SourcesFinding("The capital of France is Paris", "The capital of France is", "Paris", passages, cited,
                          0.35, "/idx", 54)


def help_() -> HelpFinding:
    return HelpFinding([{"name": "generate", "description": "d", "examples": ["e"]}], "I can run these tools: ...")


def result(tool: str, finding, figure: str | None = None) -> ToolResult:
    return ToolResult(tool, {}, finding, figure)
