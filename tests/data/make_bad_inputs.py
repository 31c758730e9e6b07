"""Write `bad_inputs.jsonl`: command lines a careless, hurried or hostile user might type, each with the outcome
talkscope owes them. Run it after adding a case: `python tests/data/make_bad_inputs.py`.

A case is {"id", "argv", "exit", "stderr"?, "stdout"?, "stdin"?, "files"?}: `exit` is the exit code (0: a normal
answer; 2: refused before anything ran; 3: printed, but a tool could not run), `stderr`/`stdout` a fragment that
must appear there. Values in `argv` (and `stdin`) may be {"path": NAME} (a file made for the case), {"repeat": S,
"times": N} (S*N) or {"json": VALUE} (VALUE as JSON text, expanded first). `files` maps NAME to {"text": S} (with
"repeat" and "times": S followed by the repeats), {"hex": H}, {"symlink": TARGET} or {"dir": true}.
See tests/test_bad_inputs.py.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent
P = "The capital of France is"
EMPTY, CHAT_EOF = "the question is empty", "you>"


def case(id: str, argv: list, exit: int, stderr: str | None = None, stdout: str | None = None, **extra) -> dict:
    return {"id": id, "argv": argv, "exit": exit, "stderr": stderr, "stdout": stdout, **extra}


def tool(name: str, args, exit: int, needle: str | None = None, id: str = "") -> dict:
    """`talkscope tool NAME --args JSON --json`; failures print a JSON result, refusals one stderr line."""
    where = {"stderr": needle} if exit == 2 else {"stdout": needle}
    return case(f"tool-{name}-{id}", ["tool", name, "--args", args if isinstance(args, str) else {"json": args},
                                       "--json"], exit, **where)


def long(text: str, times: int) -> dict:
    return {"repeat": text, "times": times}


def ask_cases() -> list[dict]:
    q = 'What does the model say after "Hi"?'
    return [
        case("ask-empty", ["ask", ""], 2, EMPTY),
        case("ask-whitespace", ["ask", "   \t "], 2, EMPTY),
        case("ask-newlines", ["ask", "\n\n"], 2, EMPTY),
        case("ask-no-question", ["ask"], 2, "Missing argument"),
        case("ask-punctuation", ["ask", "?!?!...;;"], 0, stdout="not sure"),
        case("ask-10k-chars", ["ask", long("why ", 2500)], 0),
        case("ask-control-chars", ["ask", "\x07\x1b[31m what \x08 is this \x1b[0m"], 0),
        case("ask-emoji", ["ask", "🤔🤔🔥 what can you do 🚀"], 0),
        case("ask-rtl", ["ask", "ما الذي يقوله النموذج بعد \"مرحبا\"؟"], 0),
        case("ask-mixed-scripts", ["ask", "Что says the モデル after \"Hi\"?"], 0),
        case("ask-zero-width-prompt", ["ask", 'What does the model say after "Hi\u200b\u200b"?', "--json"], 0,
             stdout='"tool": "generate"'),
        case("ask-unbalanced-quote", ["ask", 'What does the model say after "The capital of France is'], 0),
        case("ask-single-quote-only", ["ask", '"'], 0),
        case("ask-layer-99", ["ask", f'What does layer 99 encode at "France" in "{P}"?', "--json"], 3,
             stdout="layer 99 does not exist"),
        case("ask-layer-negative-word", ["ask", f'What does layer minus three encode at "France" in "{P}"?'], 0),
        case("ask-token-not-in-prompt", ["ask", f'What does layer 4 encode at "Berlin" in "{P}"?', "--json"], 0),
        case("ask-model-missing", ["ask", "hi", "--model", "/nonexistent/model"], 2, "was not found on disk"),
        case("ask-model-missing-needed", ["ask", q, "--model", "/nonexistent/model"], 2, "was not found on disk"),
        case("ask-model-gguf-missing", ["ask", "hi", "--model", "/nonexistent/m.gguf"], 2, "no GGUF file"),
        case("ask-model-plain-file", ["ask", "hi", "--model", {"path": "notes.txt"}], 2, "is a file",
             files={"notes.txt": {"text": "hello"}}),
        case("ask-model-folder-no-config", ["ask", "hi", "--model", {"path": "folder"}], 2, "no config.json",
             files={"folder": {"dir": True}}),
        case("ask-model-hub-not-cached", ["ask", "hi", "--model", "nobody/no-such-model"], 2, "never downloads"),
        case("ask-model-garbage-gguf", ["ask", q, "--model", {"path": "bad.gguf"}, "--json"], 2,
             "is not a GGUF file", files={"bad.gguf": {"hex": "00" * 64}}),
        case("ask-target-model-missing", ["ask", "hi", "--target-model", "/nope"], 2, "--target-model"),
        case("ask-index-missing", ["ask", "hi", "--index", "/nonexistent/index"], 2, "no document index"),
        case("ask-index-is-file", ["ask", "hi", "--index", {"path": "f.txt"}], 2, "is a file",
             files={"f.txt": {"text": "x"}}),
        case("ask-out-is-file", ["ask", "hi", "--out", {"path": "f.txt"}], 2, "is a file",
             files={"f.txt": {"text": "x"}}),
        case("ask-out-under-file", ["ask", "hi", "--out", {"path": "f.txt/sub"}], 2, "cannot be created",
             files={"f.txt": {"text": "x"}}),
        case("ask-device-unknown", ["ask", "hi", "--device", "quantum"], 2, "unknown device"),
        case("ask-device-cuda-absent", ["ask", "hi", "--device", "cuda"], 2, "no CUDA GPU"),
        case("ask-llm-router-no-colon", ["ask", "hi", "--llm-router", "foo"], 2, "MODULE:FUNCTION"),
        case("ask-llm-router-no-module", ["ask", "hi", "--llm-router", "no_such_module_x:f"], 2, "cannot import"),
        case("ask-llm-router-no-function", ["ask", "hi", "--llm-router", "os:no_such_function"], 2,
             "cannot import"),
        case("ask-llm-router-not-callable", ["ask", "hi", "--llm-router", "os:sep"], 2, "not callable"),
        case("ask-unknown-option", ["ask", "hi", "--frobnicate"], 2, "No such option"),
        case("ask-verbose-ok", ["ask", "hi", "--verbose"], 0),
    ]


def route_cases() -> list[dict]:
    return [
        case("route-none", ["route"], 2, "at least one turn"),
        case("route-empty-turn", ["route", "", "--json"], 0, stdout='"clarify"'),
        case("route-10k", ["route", long("attribution ", 900), "--json"], 0),
        case("route-binary-junk", ["route", "\x00\x01\x02\x7f\x1b\x9b junk \ufffd\ufffd", "--json"], 0),
        case("route-only-quotes", ["route", '""""""', "--json"], 0),
        case("route-unbalanced", ["route", 'Why did the model say "Paris after "The capital', "--json"], 0),
        case("route-mixed-scripts", ["route", "Какой layer 模型 encodes \"Paris\"?", "--json"], 0),
        case("route-rtl-override", ["route", "\u202eWhat does the model say after \"Hi\"?", "--json"], 0),
        case("route-batch-missing", ["route", "--batch", "/nonexistent.jsonl"], 2, "no such file"),
        case("route-batch-not-json", ["route", "--batch", {"path": "b.jsonl"}], 2, "is not valid JSON",
             files={"b.jsonl": {"text": "[\"hi\"]\n{oops\n"}}),
        case("route-batch-line-not-list", ["route", "--batch", {"path": "b.jsonl"}], 2, "JSON list of turns",
             files={"b.jsonl": {"text": "\"What can you do?\"\n"}}),
        case("route-batch-turn-not-string", ["route", "--batch", {"path": "b.jsonl"}], 2, "JSON list of turns",
             files={"b.jsonl": {"text": "[1, 2]\n"}}),
        case("route-batch-empty", ["route", "--batch", {"path": "b.jsonl"}], 2, "at least one turn",
             files={"b.jsonl": {"text": ""}}),
        case("route-batch-invalid-utf8", ["route", "--batch", {"path": "b.jsonl"}], 2, "UTF-8",
             files={"b.jsonl": {"hex": "5b2268c3286922 5d0a".replace(" ", "")}}),
    ]


def args_cases() -> list[dict]:
    """--args that are not a JSON object, unknown names, wrong types: refused before anything runs."""
    out = []
    for name in ("generate", "attribution", "logit_lens", "patchscope", "probe", "confidence", "sources", "help"):
        out += [
            tool(name, "{not json", 2, "not valid JSON", "bad-json"),
            tool(name, "[1, 2]", 2, "must be a JSON object", "list"),
            tool(name, '"prompt"', 2, "must be a JSON object", "string"),
            tool(name, "null", 2, "must be a JSON object", "null"),
            tool(name, {"frobnicate": 1}, 2, "has no argument 'frobnicate'", "unknown-key"),
        ]
    return out


def prompt_cases() -> list[dict]:
    """The prompt argument of every tool that takes one."""
    out = []
    cheap = {"attribution": {"method": "saliency"}, "generate": {"max_new_tokens": 3},  # odd text, not the method
             "patchscope": {"layer": 4}}
    for name in ("generate", "attribution", "logit_lens", "patchscope", "confidence"):
        extra = {"token": "France"} if name == "patchscope" else {}
        out += [
            tool(name, {"prompt": "", **extra}, 2, "needs a non-empty 'prompt'", "empty-prompt"),
            tool(name, {"prompt": "  \n ", **extra}, 2, "needs a non-empty 'prompt'", "blank-prompt"),
            tool(name, {"prompt": 5, **extra}, 2, "'prompt' must be", "int-prompt"),
            tool(name, {"prompt": ["a"], **extra}, 2, "'prompt' must be", "list-prompt"),
            tool(name, {**extra}, 2, "needs a non-empty 'prompt'", "no-prompt"),
            tool(name, {"prompt": f"{P} 🇫🇷", **({"token": "capital"} if extra else {}), **cheap.get(name, {})},
                 0, None, "emoji"),
        ]
        if name != "confidence":  # ten samples a call: one odd prompt is enough for it
            out += [
                tool(name, {"prompt": f"\u200f{P}\u200b", **extra, **cheap.get(name, {})}, 0, None, "rtl-zero-width"),
                tool(name, {"prompt": f"{P}\x07\x1b[0m", **({"token": "capital"} if extra else {}),
                            **cheap.get(name, {})}, 0, None, "control-chars"),
            ]
    for name in ("generate", "attribution", "logit_lens", "patchscope", "confidence"):
        out.append(tool(name, {"prompt": long("x1;", 6667), **({"token": "x"} if name == "patchscope" else {})},
                        3, "read at most 4,096", "20k-chars"))
    return out


def layer_cases() -> list[dict]:
    out = []
    for name in ("logit_lens", "patchscope", "probe"):
        base = {"concept": "sentiment"} if name == "probe" else {"prompt": P, "token": "France"}
        out += [
            tool(name, {**base, "layer": 99}, 3, "layer 99 does not exist", "layer-99"),
            tool(name, {**base, "layer": -40}, 3, "does not exist", "layer-negative"),
            tool(name, {**base, "layer": 10**12}, 3, "does not exist", "layer-huge"),
            tool(name, {**base, "layer": 2.5}, 2, "'layer' must be", "layer-float"),
            tool(name, {**base, "layer": "five"}, 2, "'layer' must be", "layer-word"),
            tool(name, {**base, "layer": True}, 2, "'layer' must be", "layer-bool"),
            tool(name, {**base, "layer": [1, "x"]}, 2, "'layer' must be", "layer-list-mixed"),
            tool(name, {**base, "layer": list(range(500))}, 3, "does not exist", "layer-500-list"),
            tool(name, {**base, "layer": [4] * 500}, 0, None, "layer-500-repeats"),
            tool(name, {**base, "layer": []}, 2, "'layer' is an empty list", "layer-empty-list"),
        ]
    return out


def other_arg_cases() -> list[dict]:
    return [
        tool("generate", {"prompt": P, "max_new_tokens": 0}, 3, "from 1 to", "max-new-0"),
        tool("generate", {"prompt": P, "max_new_tokens": -3}, 3, "from 1 to", "max-new-negative"),
        tool("generate", {"prompt": P, "max_new_tokens": 10**9}, 3, "from 1 to", "max-new-huge"),
        tool("generate", {"prompt": P, "max_new_tokens": 2.5}, 2, "must be int", "max-new-float"),
        tool("generate", {"prompt": P, "max_new_tokens": "12"}, 2, "must be int", "max-new-string"),
        tool("attribution", {"prompt": P, "method": "shapley-magic"}, 2, "choose one of: integrated_gradients",
             "method-unknown"),
        tool("attribution", {"prompt": P, "method": 3}, 2, "'method' must be", "method-int"),
        tool("attribution", {"prompt": P, "target": "", "method": "saliency"}, 3, "target is empty", "target-empty"),
        tool("attribution", {"prompt": P, "target": " Paris", "contrast": " Paris", "method": "saliency"}, 3,
             "is the target itself", "contrast-same"),
        tool("attribution", {"prompt": P, "target": "🇫🇷", "method": "saliency"}, 0, None, "target-emoji"),
        tool("logit_lens", {"prompt": P, "token": "Berlin"}, 3, "not in the prompt", "token-missing"),
        tool("logit_lens", {"prompt": P, "token": 99}, 2, "'token' must be", "token-int"),
        tool("patchscope", {"prompt": P, "token": "France", "kind": "psychic"}, 2, "choose one of: identity",
             "kind-unknown"),
        tool("patchscope", {"prompt": P, "token": "France", "kind": "custom"}, 3, "target_prompt", "custom-no-target"),
        tool("patchscope", {"prompt": P, "token": "France", "kind": "custom", "target_prompt": "no placeholder"},
             3, "", "custom-no-placeholder"),
        tool("patchscope", {"prompt": P, "token": "France", "kind": "attribute"}, 3, "relation", "attribute-no-rel"),
        tool("probe", {"concept": "astrology"}, 3, "", "concept-unknown"),
        tool("probe", {"concept": ""}, 2, "needs a non-empty 'concept'", "concept-empty"),
        tool("probe", {"concept": "sentiment", "pooling": "max"}, 2, "choose one of: last, mean", "pooling-unknown"),
        tool("probe", {"concept": {"path": "missing.csv"}}, 3, "", "concept-file-missing"),
        {**tool("probe", {"concept": {"path": "bad.csv"}}, 3, "UTF-8", "concept-file-not-utf8"),
         "files": {"bad.csv": {"hex": "746578742c6c6162656c0aff fe 2c790a".replace(" ", "")}}},
        {**tool("probe", {"concept": {"path": "one.csv"}}, 3, "", "concept-file-one-label"),
         "files": {"one.csv": {"text": "text,label\n" + "a b c,x\n" * 20}}},
        {**tool("probe", {"concept": {"path": "empty.csv"}}, 3, "", "concept-file-empty"),
         "files": {"empty.csv": {"text": ""}}},
        tool("sources", {}, 3, "needs a 'query'", "nothing"),
        tool("sources", {"query": "   "}, 3, "needs a 'query'", "blank-query"),
        tool("sources", {"query": long("paris ", 3500)}, 0, None, "20k-query"),
        tool("sources", {"query": "\u202e\u200b🗼 Eiffel"}, 0, None, "odd-unicode-query"),
        tool("help", {}, 0, None, "plain"),
        tool("competence", {"prompt": P, "candidates": ["Paris", " "]}, 3, "has no tokens", "candidate-blank"),
        tool("competence", {"prompt": P}, 3, "needs a prompt and candidates", "no-candidates"),
        tool("competence", {"prompt": P, "candidates": "Paris"}, 2, "'candidates' must be", "candidates-string"),
        tool("competence", {"suite": "astrology"}, 3, "is not a file", "suite-unknown"),
        tool("regions", {"texts": "english", "k": 0}, 3, "outside (0, 50]", "k-zero"),
        tool("regions", {"texts": "english", "k": 75}, 3, "outside (0, 50]", "k-huge"),
        tool("regions", {"texts": "klingon"}, 3, "is not a file", "language-unknown"),
        tool("trace", {"prompt": P, "subject": "Germany"}, 3, "not in the prompt", "subject-missing"),
        tool("trace", {"prompt": P, "subject": "France", "kind": "heads"}, 2, "choose one of: state", "kind-unknown"),
        tool("trace", {"prompt": P, "subject": "France", "counterfactual": "The big capital of Italy is"}, 3,
             "align token for token", "counterfactual-misaligned"),
        tool("trace", {"prompt": "the cat sat on the"}, 3, "subject to corrupt", "no-subject-found"),
        case("tool-unknown-name", ["tool", "frobnicate"], 2, "unknown tool 'frobnicate'"),
        case("tool-no-name", ["tool"], 2, "Missing argument"),
        case("tool-unknown-option", ["tool", "generate", "--dataset", "x.csv"], 2, "No such option"),
        case("tool-batch-missing", ["tool", "generate", "--batch", "/nonexistent.jsonl"], 2, "no such file"),
        case("tool-batch-bad-line", ["tool", "generate", "--batch", {"path": "b.jsonl"}, "--json"], 3,
             stdout="JSON object of arguments", files={"b.jsonl": {"text": f'{{"prompt": "{P}", "max_new_tokens": 1}}'
                                                                         '\n[1, 2]\n'}}),
        case("tool-batch-invalid-utf8", ["tool", "generate", "--batch", {"path": "b.jsonl"}], 2, "UTF-8",
             files={"b.jsonl": {"hex": "7b2270726f6d7074223a2022ff227d0a"}}),
    ]


def index_cases() -> list[dict]:
    idx = {"path": "idx"}
    return [
        case("index-nothing", ["index"], 2, "give files or folders"),
        case("index-missing-file", ["index", "/nonexistent/doc.txt", "--index", idx], 2, "/nonexistent/doc.txt"),
        case("index-empty-file", ["index", {"path": "empty.txt"}, "--index", idx], 0, stdout="skipped",
             files={"empty.txt": {"text": ""}}),
        case("index-binary-txt", ["index", {"path": "bin.txt"}, "--index", idx], 3, stdout="is not UTF-8 text",
             files={"bin.txt": {"hex": "00ff10ab" * 256}}),
        case("index-bad-pdf", ["index", {"path": "bad.pdf"}, "--index", idx], 3, stdout="could not be read as a PDF",
             files={"bad.pdf": {"text": "%PDF-1.4\nthis is not really a pdf\n"}}),
        case("index-invalid-utf8-txt", ["index", {"path": "latin.txt"}, "--index", idx], 3, stdout="iconv",
             files={"latin.txt": {"hex": "43616665206175206c6169742c2063e97461697420626f6e2e0a" * 3}}),
        case("index-csv-1mb-cell", ["index", {"path": "big.csv"}, "--index", idx], 0, stdout="1 added",
             files={"big.csv": {"text": "id,body\n1,", "repeat": "x" * 1024, "times": 1024}}),
        case("index-symlink-loop", ["index", {"path": "loop"}, "--index", idx], 2, "symbolic link that leads nowhere",
             files={"loop": {"symlink": "loop"}}),
        case("index-empty-folder", ["index", {"path": "d"}, "--index", idx], 0, stdout="0 added",
             files={"d": {"dir": True}}),
        case("index-into-file", ["index", {"path": "a.txt"}, "--index", {"path": "a.txt"}], 2, "is a file",
             files={"a.txt": {"text": "hello"}}),
        case("index-wait-negative", ["index", {"path": "a.txt"}, "--index", idx, "--wait", "-1"], 2, "--wait",
             files={"a.txt": {"text": "hello"}}),
        case("index-wait-not-number", ["index", {"path": "a.txt"}, "--wait", "soon"], 2, "Invalid value for '--wait'"),
    ]


def chat_cases() -> list[dict]:
    def chat(id: str, lines: list, needle: str, **extra) -> dict:
        return case(f"chat-{id}", ["chat"], 0, stdout=needle, stdin=lines, **extra)
    return [
        chat("eof", [], CHAT_EOF),
        chat("blank-lines", ["", "   ", "/quit"], CHAT_EOF),
        chat("unknown-command", ["/frobnicate", "/quit"], "Unknown command /frobnicate"),
        chat("model-missing", ["/model /nonexistent/model", "What can you do?", "/quit"], "could not load the model"),
        chat("model-no-arg", ["/model", "/quit"], "/model NAME"),
        chat("json-twice", ["/json", "/json", "/quit"], "Raw JSON off"),
        chat("reset-empty", ["/reset", "/quit"], "Conversation forgotten"),
        chat("10k-line", [long("why ", 2500), "/quit"], "talkscope>"),
        chat("control-chars", ["\x1b[2J\x07 hello?", "/quit"], "talkscope>"),
        chat("layer-99", [f'What does layer 99 encode at "France" in "{P}"?', "What can you do?", "/quit"],
             "layer 99 does not exist"),
        chat("follow-up-first", ["what about layer 5?", "/quit"], "talkscope>"),
        chat("emoji", ["🤔", "/quit"], "talkscope>"),
        case("chat-bad-model-flag", ["chat", "--model", "/nonexistent"], 2, "was not found on disk"),
    ]


def table(name: str, args, exit: int, needle: str, id: str, data: list | None = None) -> dict:
    """`talkscope tool NAME --data ... --args JSON --json` on a table."""
    where = {"stderr": needle} if exit == 2 else {"stdout": needle}
    return case(f"table-{name}-{id}", ["tool", name, *(data or ["--data", "penguins"]), "--args", {"json": args},
                                       "--json"], exit, **where)


def table_cases() -> list[dict]:
    words = {"words.txt": {"text": "just some words\nwith no separators at all\n"}}
    return [
        table("count", {}, 2, "is empty: a table needs", "empty-file", ["--data", {"path": "empty.csv"}])
        | {"files": {"empty.csv": {"text": ""}}},
        table("count", {}, 2, "a table needs a header row, at least two columns", "not-a-table",
              ["--data", {"path": "words.txt"}]) | {"files": words},
        table("count", {}, 2, "no such file", "missing-file", ["--data", "no/such/table.csv"]),
        table("count", {}, 2, "there is no column 'outcome'; the columns are: species, island", "no-target",
              ["--data", "penguins", "--target", "outcome"]),
        table("count", {}, 2, "has a single value", "one-class", ["--data", {"path": "one.csv"}, "--target", "y"])
        | {"files": {"one.csv": {"text": "x,y\n1,a\n2,a\n3,a\n"}}},
        table("count", {}, 2, "which column should the model predict? Give --target COLUMN", "no-obvious-target",
              ["--data", {"path": "two.csv"}]) | {"files": {"two.csv": {"text": "a,b\n1,x\n2,y\n"}}},
        table("count", {"filter": "colour == 'red'"}, 3, "there is no column 'colour'", "unknown-feature"),
        table("count", {"filter": "island == 'Atlantis'"}, 3, "'Atlantis' is not a value of island", "impossible"),
        table("count", {"filter": "body_mass_g > heavy"}, 3, "body_mass_g is a number", "not-a-number"),
        table("explain", {"row": 344}, 3, "there is no row 344: the rows are 0 to 343", "row-out-of-range"),
        table("explain", {"row": -1}, 3, "there is no row -1", "negative-row"),
        table("what_if", {"row": 3, "change": "island = 'Atlantis'"}, 3, "'Atlantis' is not a value of island",
              "unseen-category"),
        table("what_if", {"row": 3, "change": "species = 'Gentoo'"}, 3, "species is not an input of the model",
              "edit-target"),
        table("show", {"n": 1000}, 3, "n must be from 1 to 50", "too-many-rows"),
        table("score", {"metric": "mae"}, 3, "mae does not fit this task", "wrong-metric"),
        table("describe", {"feature": "colour"}, 3, "there is no column 'colour'", "unknown-column"),
        table("filter", {"filter": "sex == 'unknown'"}, 3, "its values are: female, male", "impossible"),
        table("labels", {}, 3, "the target progression is a number, not a label", "regression",
              ["--data", "diabetes"]),
        table("predict", {"row": 3, "instance": "bmi = 30"}, 3, "give a row or an instance, not both", "both",
              ["--data", "diabetes"]),
        table("likelihood", {"row": 3}, 3, "the model predicts a number", "regression", ["--data", "diabetes"]),
        table("mistakes", {"filter": "wingspan > 3"}, 3, "there is no column 'wingspan'", "unknown-feature"),
        table("importance", {"top": 0}, 3, "top must be 1 or more", "top-zero"),
        table("interactions", {"feature": "beak colour"}, 3, "there is no column 'beak colour'", "unknown-feature"),
        table("counterfactual", {"row": 3}, 3, "a counterfactual flips a class", "regression",
              ["--data", "diabetes"]),
        case("table-tool-without-data", ["tool", "count", "--json"], 2, "give --data FILE"),
        case("table-target-without-data", ["ask", "hi", "--target", "y"], 2, "--target goes with --data FILE"),
    ]


TEXTS = "".join(f"message number {i} about {'a double charge on my bill' if i % 2 else 'a router that drops wifi'}"
                f",{'billing' if i % 2 else 'technical'}\n" for i in range(40))


def texts(name: str, args, exit: int, needle: str, id: str, data: list | None = None,
          files: dict | None = None) -> dict:
    """`talkscope tool NAME --data ... --args JSON --json` on a small text dataset."""
    where = {"stderr": needle} if exit == 2 else {"stdout": needle}
    data = data or ["--data", {"path": "texts.csv"}, "--text", "text"]
    return case(f"texts-{name}-{id}", ["tool", name, *data, "--args", {"json": args}, "--json"], exit, **where,
                files=files or {"texts.csv": {"text": "text,label\n" + TEXTS}})


def text_cases() -> list[dict]:
    plain = TEXTS.replace(",billing", ",web").replace(",technical", ",app")
    unlabelled = {"plain.csv": {"text": "text,source\n" + plain}}
    return [
        texts("topics", {"k": 1}, 3, "ask for 2 to", "k-one"),
        texts("topics", {"filter": "colour == 'red'"}, 3, "I could not read a group or filter", "unknown-filter"),
        texts("surprise", {"example": 9999}, 3, "there is no example 9999: the ids run from 0 to 39", "no-example"),
        texts("surprise", {"n": 0}, 3, "n must be at least 1", "n-zero"),
        texts("label_check", {}, 3, "the data has no label column", "no-label",
              ["--data", {"path": "plain.csv"}, "--text", "text"], unlabelled),
        texts("contrast_groups", {"group_a": "billing", "group_b": "billing"}, 3, "both groups are", "same-group"),
        texts("contrast_groups", {"group_a": "shipping"}, 3, "I could not read a group or filter", "unknown-group"),
        texts("topics", {}, 2, "there is no column 'body'; the columns are: text, label", "missing-column",
              ["--data", {"path": "texts.csv"}, "--text", "body"]),
        texts("topics", {}, 2, "has a single value", "single-label",
              ["--data", {"path": "one.csv"}, "--text", "text", "--label", "label"],
              {"one.csv": {"text": "text,label\n" + TEXTS.replace(",technical", ",billing")}}),
        texts("topics", {}, 2, "no text is left in column 'text'", "all-empty",
              ["--data", {"path": "empty.csv"}, "--text", "text"], {"empty.csv": {"text": "text,label\n,a\n,b\n"}}),
        texts("topics", {}, 2, "has no .txt files", "folder-without-texts", ["--data", {"path": "folder"}],
              {"folder": {"dir": True}}),
        case("texts-tool-without-data", ["tool", "topics", "--json"], 2, "give --data FILE --text COLUMN"),
        case("texts-text-without-data", ["ask", "hi", "--text", "body"], 2, "--text goes with --data FILE"),
        case("texts-text-and-target", ["ask", "hi", "--data", "penguins", "--text", "x", "--target", "y"], 2,
             "give one kind"),
    ]


def main() -> None:
    cases = ask_cases() + route_cases() + args_cases() + prompt_cases() + layer_cases() + other_arg_cases() \
        + index_cases() + chat_cases() + table_cases() + text_cases()
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    with (HERE / "bad_inputs.jsonl").open("w", encoding="utf-8") as f:
        for c in cases:
            f.write(json.dumps({k: v for k, v in c.items() if v is not None}, ensure_ascii=False) + "\n")
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main()
