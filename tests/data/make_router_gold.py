"""Write router_gold.jsonl: conversations written for talkscope with the exact calls expected per turn.

Each line: {"id", "split", "turns": [{"say": str, "calls": [{"tool", "args"}] | null (a clarifying question
is expected)}]}. `args` list only the non-null arguments; every other schema argument is expected null.
The split is frozen by a hash of the id (about 40% test); the router was tuned on `dev` only.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

F, J, A = "The capital of France is", "The capital of Japan is", "The capital of Australia is"
G, E = "The chemical symbol for gold is", "The Eiffel Tower is in the city of"


def c(tool: str, **args: object) -> dict[str, object]:
    return {"tool": tool, "args": args}


SINGLE = [
    # generate
    (f'What does the model say after "{F}"?', [c("generate", prompt=F)]),
    (f'Complete "{J}"', [c("generate", prompt=J)]),
    (f'Continue "{E}" for 30 tokens', [c("generate", prompt=E, max_new_tokens=30)]),
    ('How does the model continue "Once upon a time"?', [c("generate", prompt="Once upon a time")]),
    (f'What comes after "{G}"?', [c("generate", prompt=G)]),
    ('Generate 50 tokens after "The weather today is"', [c("generate", prompt="The weather today is",
                                                            max_new_tokens=50)]),
    ('Run the model on "2 + 2 ="', [c("generate", prompt="2 + 2 =")]),
    (f"What's the next word after '{A}'?", [c("generate", prompt=A)]),
    ('Feed "My favourite colour is" to the model', [c("generate", prompt="My favourite colour is")]),
    ('Show me the continuation of "The first man on the Moon was"',
     [c("generate", prompt="The first man on the Moon was")]),
    ('What would the model write after "Dear Sir,"?', [c("generate", prompt="Dear Sir,")]),
    ('Let the model finish the sentence "Water boils at"', [c("generate", prompt="Water boils at")]),
    # help
    ("What can you do?", [c("help")]),
    ("help", [c("help")]),
    ("Which tools are there?", [c("help")]),
    ("Show me some example questions", [c("help")]),
    ("What kinds of questions can I ask you?", [c("help")]),
    ("How does this work?", [c("help")]),
    # attribution
    (f'Why did the model say "Paris" after "{F}"?', [c("attribution", prompt=F, target="Paris")]),
    (f'Why "Paris" rather than "Lyon" after "{F}"?',
     [c("attribution", prompt=F, target="Paris", contrast="Lyon")]),
    (f'Which tokens made the model say "Tokyo" after "{J}"?', [c("attribution", prompt=J, target="Tokyo")]),
    (f'Use occlusion to explain "{G}"', [c("attribution", prompt=G, method="occlusion")]),
    (f'Run integrated gradients on "{E}"', [c("attribution", prompt=E, method="integrated_gradients")]),
    (f'Show me the saliency map for "{F}"', [c("attribution", prompt=F, method="saliency")]),
    (f'Which part of the prompt is responsible for "Canberra" in "{A}"?',
     [c("attribution", prompt=A, target="Canberra")]),
    (f'Why did it predict "Au" instead of "Ag" after "{G}"?',
     [c("attribution", prompt=G, target="Au", contrast="Ag")]),
    (f'Explain the prediction for "{E}" with leave-one-out', [c("attribution", prompt=E, method="occlusion")]),
    (f'Token importance for "{J}" using input x gradient', [c("attribution", prompt=J, method="input_x_gradient")]),
    (f'Which words drove the output "Sydney" after "{A}"?', [c("attribution", prompt=A, target="Sydney")]),
    (f'Attribute the output of "{F}" with attention', [c("attribution", prompt=F, method="attention")]),
    (f'Why did the model answer "Paris" and not "Rome" after "{E}"?',
     [c("attribution", prompt=E, target="Paris", contrast="Rome")]),
    (f'Feature attribution for "{G}" with IG', [c("attribution", prompt=G, method="integrated_gradients")]),
    # patchscope / logit lens
    (f'What does layer 6 encode at "France" in "{F}"?', [c("patchscope", prompt=F, token="France", layer=6)]),
    (f'Decode the hidden state of "Japan" in "{J}" at every layer', [c("patchscope", prompt=J, token="Japan")]),
    (f'What does the model think "Eiffel" refers to in "{E}" at layers 3 through 6?',
     [c("patchscope", prompt=E, token="Eiffel", layer=[3, 4, 5, 6])]),
    (f'Describe the entity at "France" in "{F}" at layer 9',
     [c("patchscope", prompt=F, token="France", layer=9, kind="description")]),
    (f'What is the capital according to the hidden state of "France" in "{F}"?',
     [c("patchscope", prompt=F, token="France", kind="attribute", relation="capital")]),
    (f'What does the logit lens show for "{F}"?', [c("logit_lens", prompt=F)]),
    (f'Apply the logit lens to "{J}" at layers 2, 5 and 8', [c("logit_lens", prompt=J, layer=[2, 5, 8])]),
    (f'What does each layer predict next after "{G}"?', [c("logit_lens", prompt=G)]),
    (f'Show the top predictions layer by layer for "{E}"', [c("logit_lens", prompt=E)]),
    (f'When does the model settle on its answer for "{A}"?', [c("logit_lens", prompt=A)]),
    # probe
    ("Does the model represent sentiment, and where?", [c("probe", concept="sentiment")]),
    ("Which layer best separates true statements from false ones?", [c("probe", concept="factuality")]),
    ("Is past versus present tense linearly decodable?", [c("probe", concept="tense")]),
    ("Where does the model encode singular versus plural?", [c("probe", concept="number")]),
    ("Can a linear probe tell which language a sentence is in?", [c("probe", concept="language")]),
    ("Probe layer 4 for sentiment", [c("probe", concept="sentiment", layer=4)]),
    ("Run a probe for grammatical number at every layer", [c("probe", concept="number")]),
    ("Is truth linearly represented at layers 6 to 9?", [c("probe", concept="factuality", layer=[6, 7, 8, 9])]),
    ("Does the model know whether a review is positive or negative?", [c("probe", concept="sentiment")]),
    # sources
    (f'Which documents support the answer to "{F}"?', [c("sources", prompt=F)]),
    (f'Find sources for the answer to "{J}"', [c("sources", prompt=J)]),
    ('Where in my documents is "the Eiffel Tower" mentioned?', [c("sources", query="the Eiffel Tower")]),
    ('Search the documents for "Marie Curie"', [c("sources", query="Marie Curie")]),
    ('What do my documents say about "Pluto"?', [c("sources", query="Pluto")]),
    (f'Do any documents contradict the answer to "{A}"?', [c("sources", prompt=A)]),
    ('Which documents mention "the Berlin Wall"?', [c("sources", query="the Berlin Wall")]),
    (f'Check the model\'s answer to "{G}" against the documents', [c("sources", prompt=G)]),
    ('Look up "penicillin" in my documents', [c("sources", query="penicillin")]),
    # confidence
    (f'How sure is the model that "{A}" continues correctly?', [c("confidence", prompt=A)]),
    (f'How confident is the model about "{F}"?', [c("confidence", prompt=F)]),
    ('Is the model just guessing on "2 + 2 ="?', [c("confidence", prompt="2 + 2 =")]),
    (f'Can I trust the answer to "{G}"?', [c("confidence", prompt=G)]),
    (f'How likely is the model to be correct on "{J}"?', [c("confidence", prompt=J)]),
    (f'Does the model know the answer to "{E}"?', [c("confidence", prompt=E)]),
    (f'Give me a calibrated confidence for "{A}"', [c("confidence", prompt=A)]),
    # compositional
    (f'Why did it say "Paris" after "{F}", and how sure is it?',
     [c("attribution", prompt=F, target="Paris"), c("confidence", prompt=F)]),
    (f'What does the model say after "{J}"? Also find sources for that',
     [c("generate", prompt=J), c("sources", prompt=J)]),
    (f'How sure is the model about "{A}", and which documents support the answer?',
     [c("confidence", prompt=A), c("sources", prompt=A)]),
    (f'Complete "{G}" and also show the logit lens',
     [c("generate", prompt=G), c("logit_lens", prompt=G)]),
    (f'Apply the logit lens to "{E}"; then why did it say "Paris"?',
     [c("logit_lens", prompt=E), c("attribution", prompt=E, target="Paris")]),
    # clarification: no prompt anywhere, or not a question about the model
    ("Why did it say that?", None),
    ("What does layer 5 encode?", None),
    ("How sure is it?", None),
    ("Find sources for that", None),
    ("Explain the prediction with occlusion", None),
    ("What is the weather in Paris?", None),
    ("Book me a flight to Tokyo", None),
    ("Tell me a joke", None),
    ("What is the meaning of life?", None),
    ("asdf qwerty", None),
]

CONVERSATIONS = [
    [(f'What does the model say after "{F}"?', [c("generate", prompt=F)]),
     ("Why?", [c("attribution", prompt=F)]),
     ('Why not "Lyon"?', [c("attribution", prompt=F, contrast="Lyon")]),
     ("Now with occlusion", [c("attribution", prompt=F, contrast="Lyon", method="occlusion")]),
     ("how sure is it?", [c("confidence", prompt=F)])],
    [(f'What does layer 6 encode at "France" in "{F}"?', [c("patchscope", prompt=F, token="France", layer=6)]),
     ("What about layer 12?", [c("patchscope", prompt=F, token="France", layer=12)]),
     ("And at every layer?", [c("patchscope", prompt=F, token="France")])],
    [(f'Why did the model say "Tokyo" after "{J}"?', [c("attribution", prompt=J, target="Tokyo")]),
     ("Now use saliency instead", [c("attribution", prompt=J, target="Tokyo", method="saliency")]),
     (f'Now do the same for "{A}"', [c("attribution", prompt=A, target="Tokyo", method="saliency")])],
    [("Does the model represent sentiment, and where?", [c("probe", concept="sentiment")]),
     ("What about tense?", [c("probe", concept="tense")]),
     ("Only layer 3", [c("probe", concept="tense", layer=3)])],
    [(f'Complete "{G}"', [c("generate", prompt=G)]),
     ("Find sources for that", [c("sources", prompt=G)]),
     ("How sure is it?", [c("confidence", prompt=G)]),
     ("Why did it say that?", [c("attribution", prompt=G)])],
    [(f'Apply the logit lens to "{E}"', [c("logit_lens", prompt=E)]),
     ("What about layers 4 to 6?", [c("logit_lens", prompt=E, layer=[4, 5, 6])]),
     ("Why did it say \"Paris\"?", [c("attribution", prompt=E, target="Paris")])],
    [("Why did it say that?", None),
     (f'I mean after "{F}"', [c("attribution", prompt=F)])],
    [(f'How sure is the model that "{A}" continues correctly?', [c("confidence", prompt=A)]),
     ("Which documents support the answer?", [c("sources", prompt=A)]),
     ('What about "Canberra"?', [c("sources", query="Canberra")])],
    [("What can you do?", [c("help")]),
     (f'What does the model say after "{J}"?', [c("generate", prompt=J)]),
     ("Generate 40 tokens", [c("generate", prompt=J, max_new_tokens=40)])],
    [(f'Why "Paris" rather than "Lyon" after "{F}"?', [c("attribution", prompt=F, target="Paris", contrast="Lyon")]),
     ("Use leave-one-out instead", [c("attribution", prompt=F, target="Paris", contrast="Lyon",
                                      method="occlusion")]),
     ("What does the logit lens show?", [c("logit_lens", prompt=F)])],
]


# More phrasings per tool, each asked about two different prompts ({p}).
PHRASINGS = {
    "generate": ['What does the model output for "{p}"?', 'Continue the text "{p}"',
                 'What does it predict after "{p}"?',
                 'Give me its answer to "{p}"', 'Generate from "{p}"', 'What is the model\'s output for "{p}"?'],
    "attribution": ['Why did the model say "X" after "{p}"?', 'What made the model output "X" after "{p}"?',
                    'Which input tokens matter most for "X" after "{p}"?',
                    'Explain why the model answered "X" to "{p}"',
                    'What in the prompt "{p}" led to "X"?', 'Why does the model predict "X" given "{p}"?'],
    "logit_lens": ['Show me the logit lens for "{p}"', 'Run the logit lens on "{p}"',
                   'What does the residual stream predict at each layer for "{p}"?',
                   'Layer by layer, what is the top next token after "{p}"?'],
    "patchscope": ['What does the hidden state of "T" in "{p}" say at layer 8?',
                   'Decode the representation of "T" in "{p}" at layer 10',
                   'Run a patchscope on "T" in "{p}" at layers 4 to 6',
                   'What does the model think "T" is in "{p}" at every layer?'],
    "confidence": ['How certain is the model of its answer to "{p}"?', 'Is the model\'s answer to "{p}" reliable?',
                   'What is the probability that the answer to "{p}" is right?', 'How confident is it about "{p}"?'],
    "sources": ['Is the answer to "{p}" backed by my documents?', 'Find sources for the answer to "{p}"',
                'Which documents support the model\'s answer to "{p}"?',
                'Do my documents agree with what the model says after "{p}"?'],
}
TOKENS = {F: ("France", "Paris"), J: ("Japan", "Tokyo"), A: ("Australia", "Canberra"), G: ("gold", "Au"),
          E: ("Eiffel", "Paris")}
PAIRS = [(F, J), (A, G), (E, F), (J, A), (G, E), (F, A)]


def expected(tool: str, template: str, p: str) -> dict[str, object]:
    tok, target = TOKENS[p]
    if tool == "attribution":
        return c(tool, prompt=p, target=target)
    if tool == "patchscope":
        layers = {"layer 8": 8, "layer 10": 10, "4 to 6": [4, 5, 6]}
        layer = next((v for k, v in layers.items() if k in template), None)
        return c(tool, prompt=p, token=tok, **({"layer": layer} if layer is not None else {}))
    return c(tool, prompt=p)


def phrased() -> list[tuple[str, list[dict[str, object]]]]:
    out = []
    for i, (tool, templates) in enumerate(PHRASINGS.items()):
        for j, template in enumerate(templates):
            for p in PAIRS[(i + j) % len(PAIRS)]:
                tok, target = TOKENS[p]
                say = template.format(p=p).replace('"X"', f'"{target}"').replace('"T"', f'"{tok}"')
                out.append((say, [expected(tool, template, p)]))
    return out


ALT = {F: "Lyon", J: "Kyoto", A: "Sydney", G: "Ag", E: "London"}
NEXT = {F: J, J: A, A: G, G: E, E: F}


def templated_conversations() -> list[list[tuple[str, list[dict[str, object]] | None]]]:
    convs = []
    for p in (F, J, A, G, E):
        tok, _ = TOKENS[p]
        alt = ALT[p]
        convs.append([(f'Continue "{p}"', [c("generate", prompt=p)]),
                      ("Why?", [c("attribution", prompt=p)]),
                      (f'Why not "{alt}"?', [c("attribution", prompt=p, contrast=alt)]),
                      ("Now with IG", [c("attribution", prompt=p, contrast=alt, method="integrated_gradients")]),
                      ("Find sources for that", [c("sources", prompt=p)]),
                      ("how sure is it?", [c("confidence", prompt=p)])])
        convs.append([(f'What does layer 7 encode at "{tok}" in "{p}"?',
                       [c("patchscope", prompt=p, token=tok, layer=7)]),
                      ("What about layer 11?", [c("patchscope", prompt=p, token=tok, layer=11)]),
                      ("And layers 13 through 15?", [c("patchscope", prompt=p, token=tok, layer=[13, 14, 15])])])
        q = NEXT[p]
        convs.append([(f'Show me the logit lens for "{p}"', [c("logit_lens", prompt=p)]),
                      ("What about layers 10 through 12?", [c("logit_lens", prompt=p, layer=[10, 11, 12])]),
                      (f'Now do the same for "{q}"', [c("logit_lens", prompt=q, layer=[10, 11, 12])])])
    return convs


OUT_OF_SCOPE = ["Write me a poem about the sea", "What time is it?", "Translate hello into French",
                "Who is the president of France?", "Order a pizza", "How tall is the Eiffel Tower?",
                "Which layer?", "Do it again with occlusion", "Explain quantum mechanics", "Thanks!",
                "What is 2 + 2?", "Summarise this article for me",
                "Can you recommend a book?", "Set a timer for ten minutes"]

PROBES = [("Where is sentiment encoded?", "sentiment"), ("Is tense represented linearly?", "tense"),
          ("Does the model encode whether a subject is plural?", "number"),
          ("Can you probe for the language of a sentence?", "language"),
          ("Does the model know if a statement is true?", "factuality"),
          ("Probe for positive versus negative sentiment at layer 2", "sentiment"),
          ("Where does the model separate past from present?", "tense"),
          ("Probe every layer for true vs false", "factuality")]


def main() -> None:
    lines = []
    probes = [(q, [c("probe", concept=k, **({"layer": 2} if "layer 2" in q else {}))]) for q, k in PROBES]
    items = [[t] for t in SINGLE + phrased() + probes + [(q, None) for q in OUT_OF_SCOPE]]
    items += CONVERSATIONS + templated_conversations()
    for n, conv in enumerate(items):
        cid = f"{'s' if len(conv) == 1 else 'c'}{n:03d}"
        split = "test" if int(hashlib.sha1(cid.encode()).hexdigest(), 16) % 5 < 2 else "dev"
        turns = [{"say": say, "calls": calls} for say, calls in conv]
        lines.append(json.dumps({"id": cid, "split": split, "turns": turns}, ensure_ascii=False))
    out = Path(__file__).with_name("router_gold.jsonl")
    out.write_text("\n".join(lines) + "\n")
    n_turns = sum(len(conv) for conv in items)
    print(f"{len(items)} conversations, {n_turns} turns -> {out.name}")


if __name__ == "__main__":
    main()
