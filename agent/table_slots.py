"""The arguments of a table question, read with the loaded table's schema: the rows it is about (a condition, a
row id, a made-up instance), the edits of a what-if, the features held fixed, a column, a metric, a count.

Conditions, edits and instances are read by the engine's readers (`tools/engine/table/reading.py`, `edits.py`),
the same ones the tools use on plain-English arguments; this module decides which part of the turn is which,
and how the conversation's subset and row carry over."""

from __future__ import annotations

import re
from typing import Any

from talkscope.agent.session import Session
from talkscope.tools.engine.table import edits
from talkscope.tools.engine.table.conditions import Atom, Cond, conjoin
from talkscope.tools.engine.table.frame import Schema
from talkscope.tools.engine.table.reading import FIRST_ROWS, column_mentions, read

ROW_WORDS = r"(?:row|id|patient|penguin|sample|tumou?r|record|entry|case|instance|index|item|example|observation|" \
            r"person|customer|subject|bird|point|datapoint|#)"
ROW = re.compile(rf"\b{ROW_WORDS}\s*(?:number|no\.?|#|id)?\s*#?(?P<n>\d+)\b(?!\s*(?:-|–|to|through|thru|\.\.)\s*\d)",
                 re.IGNORECASE)
ROW_RANGE = re.compile(rf"\b{ROW_WORDS}s?\s+\d+\s*(?:-|–|to|through|thru|\.\.)\s*\d+", re.IGNORECASE)
POINTS_AT_ROW = re.compile(r"\b(?:it|its|her|his|she|he|this\s+one|that\s+one|the\s+same\s+(?:one|row|patient|"
                           r"penguin|tumou?r|sample)|(?:this|that)\s+(?:row|patient|penguin|tumou?r|sample|case|"
                           r"person|one|record|bird|prediction))\b", re.IGNORECASE)
RESET = re.compile(r"\b(?:every(?:one|body|thing)(?!\s+(?:in|of|from)\s+(?:it|them|this|that|those|these|the\s+"
                   r"(?:group|subset|filter)))|whole\s+(?:data\s*set|dataset|table|population)|entire\s+"
                   r"(?:data\s*set|dataset|table)|all\s+(?:the\s+)?(?:rows|data|samples|patients|penguins|tumou?rs|"
                   r"records|cases|people)|full\s+(?:data\s*set|dataset|data)|overall|in\s+general|"
                   r"(?:forget|drop|clear|remove|reset)\s+(?:the\s+)?(?:filter|subset|condition)s?|no\s+filter|"
                   r"unfiltered|globally)\b", re.IGNORECASE)
REFINE = re.compile(r"\b(?:those|these|them|they|their|the\s+same\s+(?:group|subset|rows)|of\s+which|among|within|"
                    r"now|only|just|also|too|further|subset|that\s+group|this\s+group|remaining|the\s+rest)\b",
                    re.IGNORECASE)
INSTANCE = re.compile(r"\b(?:a|an|new|hypothetical|made[- ]up|imaginary|fictional|someone|somebody|"
                      r"unseen)\s+(?:\w+[- ]){0,3}?(?:with|who|that|having|weighing|aged|from|on|whose|of)\b|"
                      r"\b\d+[- ]year[- ]old\b", re.IGNORECASE)
FOLLOW_ON = re.compile(r"^\s*(?:and|what\s+about|how\s+about|now|same|ok(?:ay)?|only|just|but|then|also)\b|"
                       r"\bsame\s+(?:question|thing|breakdown|again)\b", re.IGNORECASE)
METRICS = [(r"\bf1\b|\bf-?score\b|\bf[- ]measure\b", "f1"), (r"\bauc\b|\bauroc\b|\broc\b|area under", "auroc"),
           (r"\bprecision\b|\bppv\b", "precision"), (r"\brecall\b|\bsensitivity\b|\btrue positive rate\b", "recall"),
           (r"\bmae\b|mean absolute", "mae"), (r"\brmse\b|root mean squared?|\brms error\b", "rmse"),
           (r"\br2\b|\br\^?2\b|r-squared|r²|r squared|coefficient of determination|variance explained", "r2"),
           (r"\baccuracy\b|\bacc\b", "accuracy")]
TOP = re.compile(r"\btop[- ]?(?P<a>\d+)\b|\b(?P<b>\d+)\s+(?:most|biggest|strongest|top|main|key)\b", re.IGNORECASE)
SHOW_N = re.compile(r"\b(?:first|show|display|print|list|give\s+me|see)\s+(?:me\s+)?(?:the\s+)?(?:first\s+)?"
                    r"(?P<n>\d+)\b(?!\s*(?:-|–|to)\s*\d)|\b(?P<m>\d+)\s+(?:rows|examples|samples|records|entries)\b",
                    re.IGNORECASE)
FIXED = re.compile(r"(?:without\s+(?:changing|touching|altering|modifying|moving)|keep(?:ing)?|hold(?:ing)?|"
                   r"fix(?:ing)?|freez(?:e|ing)|not\s+(?:changing|touching|allowed\s+to\s+change)|leave|leaving|"
                   r"except|but\s+not|other\s+than|can'?t\s+(?:change|touch)|cannot\s+(?:change|touch)|"
                   r"don'?t\s+(?:change|touch))\s+(?P<v>.*?)(?=\s+(?:fixed|constant|the\s+same|as\s+(?:is|they\s+are)|"
                   r"unchanged|alone)\b|[?.!;]|$)|(?P<w>[\w\s,]+?)\s+(?:(?:is|are|stays?|remains?)\s+(?:immutable|fixed|constant|"
                   r"frozen|off[- ]limits)|(?:can'?t|cannot|must\s+not|mustn'?t|shouldn'?t|should\s+not|may\s+not|"
                   r"won'?t)\s+(?:change|be\s+changed|move|vary)|(?:has|have|must|needs?)\s+to\s+(?:stay|remain)|"
                   r"(?:must|should)\s+(?:stay|remain))", re.IGNORECASE)
CHANGE_VERB = re.compile(r"\b(?:were|was|had|has|became|become|got|changed?\s+to|went|goes)\b", re.IGNORECASE)
WHAT_IF = re.compile(r"\b(?:what\s+if|suppose|imagine|if|assuming|pretend|say)\b", re.IGNORECASE)


def row_of(turn: str) -> int | None:
    m = ROW.search(turn)
    return int(m.group("n")) if m and not ROW_RANGE.search(turn[m.start():m.end() + 12]) else None


def _without_rows(turn: str) -> str:
    return ROW.sub(" ", turn) if not ROW_RANGE.search(turn) else turn


def metrics_of(turn: str, schema: Schema) -> list[str]:
    """Every metric the turn names, in the turn's order."""
    found = [(m.start(), name) for pattern, name in METRICS for m in re.finditer(pattern, turn, re.IGNORECASE)]
    return list(dict.fromkeys(name for _, name in sorted(found)))


def metric_of(turn: str, schema: Schema) -> str | None:
    named = metrics_of(turn, schema)
    if named:
        return named[0]
    if re.search(r"\berror\b", turn, re.IGNORECASE) and schema.task == "regression" and \
            re.search(r"\b(?:average|mean)\s+(?:absolute\s+)?error\b", turn, re.IGNORECASE):
        return "mae"
    return None


def fixed_features(turn: str, schema: Schema) -> list[str] | None:
    found: list[str] = []
    for m in FIXED.finditer(turn):
        clause = m.group("v") or m.group("w") or ""
        found += [c.column for c in column_mentions(clause, schema) if c.column in schema.features]
    return list(dict.fromkeys(found)) or None


def feature_of(turn: str, schema: Schema, cond: Cond | None) -> str | None:
    """The first column the turn names that is not only part of its condition (None: the target)."""
    used = cond.columns() if cond else set()
    for m in column_mentions(turn, schema):
        if m.column not in used and m.value is None:
            return None if m.column == schema.target else m.column
    return None


def compose(turn: str, cond: Cond | None, session: Session) -> str | None:
    """The subset after this turn: reset, replaced, refined (a condition on the same feature replaces the old
    one), or kept."""
    current = _parse(session.subset, session.table)
    if RESET.search(turn):
        current = None
    if cond is None:
        return current.text() if current else None
    if current is None or not (REFINE.search(turn) or FOLLOW_ON.search(turn)):
        return cond.text()
    keep = [a for a in current.parts if not (_columns(a) & cond.columns())]
    merged = conjoin(Cond("and", tuple(keep)) if keep else None, cond)
    return merged.text() if merged else None


def _columns(part: Atom | Cond) -> set[str]:
    return {part.column} if isinstance(part, Atom) else part.columns()


def _parse(text: str | None, schema: Schema) -> Cond | None:
    if not text:
        return None
    from talkscope.tools.engine.table.conditions import parse

    try:
        return parse(text, schema)
    except Exception:  # a subset from another table: forgotten
        return None


def split_change(turn: str) -> tuple[str, str]:
    """(the part naming what is changed, the part naming the change): "what if patients over 50 were 10 years
    older" -> ("patients over 50", "10 years older")."""
    start = WHAT_IF.search(turn)
    head = turn[start.end():] if start else turn
    verb = CHANGE_VERB.search(head)
    if verb:
        return head[:verb.start()], head[verb.start():]
    tail = re.search(r"\b(?:for|among|on|in)\s+(?P<v>(?:everyone|all|the|those|people|patients|rows?|penguins|"
                     r"tumou?rs|women|men|females|males)\b.*)$", head, re.IGNORECASE)
    if tail:
        return tail.group("v"), head[:tail.start()]
    return "", head


def fill(tool: str, turn: str, session: Session, inputs: list[str]) -> tuple[dict[str, Any], str | None]:
    """The call's arguments, and a question back when a row is needed and none is known."""
    schema: Schema = session.table
    args: dict[str, Any] = {name: None for name in inputs}
    row = row_of(turn)
    text = _without_rows(turn)
    named_row = None  # `show` takes a row as a condition on the row id
    if tool == "what_if":
        text, args["change"] = _change(turn, text, session)
    if tool == "show":
        named_row, row = row, None
        if m := SHOW_N.search(text):
            args["n"] = int(m.group("n") or m.group("m"))
            text = FIRST_ROWS.sub(" ", text)
    if tool == "counterfactual":
        args["immutable"] = fixed_features(turn, schema)
        text = FIXED.sub(" ", text)
    instance = _instance(turn, session, schema) if tool in ("predict", "likelihood") and row is None else None
    cond = None if instance else read(text, schema)
    if named_row is not None:
        cond = conjoin(cond, Cond("and", (Atom("id", "==", named_row),)))
    if tool == "likelihood":
        cond = _without_target(cond, schema)
    if tool in ("describe", "interactions"):
        args["feature"] = feature_of(text, schema, cond)
    if "metric" in args:
        args["metric"] = metric_of(turn, schema)
    if "top" in args and (m := TOP.search(turn)):
        args["top"] = int(m.group("a") or m.group("b"))
    if "row" in args and (row is not None or (instance is None and _points_at_row(turn, session, tool, cond))):
        args["row"] = row if row is not None else session.row
    if "instance" in args:
        args["instance"] = instance
    if "filter" in args:
        args["filter"] = None if args.get("row") is not None or instance else compose(turn, cond, session)
    if tool in ("explain", "counterfactual") and args["row"] is None:
        return args, "Which row? Give its id, e.g. 'row 12'."
    if tool == "what_if" and not args["change"]:
        return args, "What should change? e.g. 'what if bmi were 25?'"
    return args, None


def _change(turn: str, text: str, session: Session) -> tuple[str, str | None]:
    """(the text naming what is changed, the change): the edits after "what if", else in the change part; a
    follow-up that names none keeps the previous what-if's ("and for row 5?")."""
    subject, change_text = split_change(text)
    whole = WHAT_IF.search(turn)
    found = edits.read(turn[whole.end():] if whole else turn, session.table) or edits.read(change_text, session.table)
    change = edits.text(found) or None
    if change is None and (previous := session.last("what_if")) is not None:
        change = previous.args.get("change")
    return subject, change


def _without_target(cond: Cond | None, schema: Schema) -> Cond | None:
    """"How likely is it to be malignant": the class asked about is not a filter."""
    if cond is None or cond.op != "and" or not all(isinstance(p, Atom) for p in cond.parts):
        return cond
    return conjoin(*(Cond("and", (a,)) for a in cond.parts if a.column != schema.target))


def _points_at_row(turn: str, session: Session, tool: str, cond: Cond | None) -> bool:
    """Whether a turn that names no row is about the conversation's row: it points at it ("it", "that patient"),
    or it names no rows of its own right after a call on that row."""
    if session.row is None:
        return False
    if tool in ("explain", "counterfactual") or POINTS_AT_ROW.search(turn):
        return True
    last = session.calls[-1] if session.calls else None
    return cond is None and not RESET.search(turn) and last is not None and last.args.get("row") is not None


def _instance(turn: str, session: Session, schema: Schema) -> str | None:
    if INSTANCE.search(turn):
        found = edits.read(turn, schema, allow_shift=False)
        if found:
            return edits.text(found)
    last = session.calls[-1] if session.calls else None
    if last is not None and last.args.get("instance") and re.search(r"\b(?:it|this|that|same)\b", turn, re.I):
        return last.args["instance"]
    return None
