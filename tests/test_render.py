"""Rendering a Reply and a tool result in the terminal (rich), from the Reply alone."""

from __future__ import annotations

import samples
from rich.console import Console

from talkscope.agent.compose import compose
from talkscope.agent.render import render_reply, render_result
from talkscope.agent.session import Call, Route


def test_reply_shows_answer_uncertainty_evidence_sources_and_suggestions():
    console = Console(record=True, width=200, highlight=False)
    results = [samples.result("attribution", samples.attribution(), figure="out/attr-001.png"),
               samples.result("sources", samples.sources())]
    rep = compose("q", Route([Call("attribution", {}), Call("sources", {})], 0.9), results, {}, ["Now with occlusion"])
    render_reply(console, rep)
    text = console.export_text()
    assert text.startswith("talkscope> The score being explained is")
    assert "Uncertainty: " + rep.uncertainty_line() in text
    assert "[E1] attribution · integrated_gradients: the tokens pushing most" in text
    assert "figure: out/attr-001.png" in text and "[S2] /docs/cities.csv row 3 #0" in text
    assert 'Try next: "Now with occlusion"' in text


def test_markup_in_model_text_is_shown_literally():
    console = Console(record=True, width=200, highlight=False)
    finding = samples.generate()
    finding.text = " [bold]not markup[/bold]"
    rep = compose("q", Route([Call("generate", {})], 1.0), [samples.result("generate", finding)], {}, [])
    render_reply(console, rep)
    assert "[bold]not markup[/bold]" in console.export_text()


def test_a_tool_result_shows_summary_uncertainty_and_data():
    console = Console(record=True, width=200, highlight=False)
    render_result(console, samples.result("probe", samples.probe(), figure="out/probe-001.png"))
    text = console.export_text()
    assert text.startswith("probe tense: best layer 2 of 18") and "figure: out/probe-001.png" in text
    assert '"best_layer": 2' in text and "Uncertainty: low" in text
