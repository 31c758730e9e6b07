"""Plain-English conditions read into the filter language: "penguins heavier than 5 kg not on Dream" ->
`body_mass_g > 5000 and island != 'Dream'`.

A reader of this small language, not a parser of English: it finds column mentions (names, the words a data
dictionary gives for them), category values, numbers with their units and the comparison words around them,
and binds each number to the nearest column before it. What it cannot bind it leaves out; the answer always
shows the condition it used, so a wrong reading is seen, not hidden.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from talkscope.tools.engine.table.conditions import Atom, Cond, conjoin
from talkscope.tools.engine.table.frame import Schema, words

GT, GE, LT, LE, EQ, NE = ">", ">=", "<", "<=", "==", "!="
BEFORE = [  # comparison words before a number, longest first
    (r"no (?:more|greater|higher|bigger|larger|older) than|not (?:more|over|above) than|at most|up to|a maximum of|"
     r"max(?:imum)?(?: of)?|less than or equal to|<=|=<|≤", LE),
    (r"no (?:less|fewer|lower|smaller|younger) than|not less than|at least|a minimum of|min(?:imum)?(?: of)?|"
     r"greater than or equal to|more than or equal to|>=|=>|≥", GE),
    (r"more than|greater than|higher than|bigger than|larger than|longer than|wider than|deeper than|older than|"
     r"heavier than|taller than|exceeding|exceeds|exceed|above|over|beyond|past|upwards of|>", GT),
    (r"less than|fewer than|lower than|smaller than|shorter than|narrower than|shallower than|younger than|"
     r"lighter than|below|under|beneath|<", LT),
    (r"not equal to|other than|!=|≠|is not|isn't|not", NE),
    (r"equal to|equals|exactly|==|=|is|of|at|with", EQ),
]
AFTER = [(r"or (?:more|above|higher|greater|older|heavier|longer|larger|bigger|over)|and (?:up|above|over|older)|\+",
          GE),
         (r"or (?:less|fewer|below|lower|under|younger|lighter|shorter|smaller)|and (?:below|under|younger|less)", LE)]
COMPARATIVES = {"older": GT, "younger": LT, "heavier": GT, "lighter": LT, "taller": GT, "shorter": LT,
                "longer": GT, "bigger": GT, "larger": GT, "smaller": LT, "wider": GT, "narrower": LT,
                "deeper": GT, "shallower": LT}
SYNONYMS = {"female": ("women", "woman", "females", "girls", "ladies", "feminine"),
            "male": ("men", "man", "males", "boys", "guys"),
            "true": ("yes",), "false": ("no",)}
NEGATION = re.compile(r"\b(?:not|non|except|excluding|exclude|other than|aren'?t|isn'?t|without|but not|apart from|"
                      r"outside(?: of)?)\W*(?:\w+\W+){0,2}$", re.IGNORECASE)
PREDICTED = re.compile(r"\b(?:predict(?:s|ed|ion|ions)?|classif(?:y|ies|ied)|model(?:'s)? (?:says|thinks|calls|"
                       r"labels)|called|flagged)\b\W*(?:\w+\W+){0,3}$", re.IGNORECASE)
NUMBER = re.compile(r"(?<![\w.])(?P<n>\d+(?:\.\d+)?)\s*(?P<u>kg|kilos?|grams?|g|mm|cm|k|%|years?(?: old)?|yrs?|"
                    r"y/?o)?(?!\w|\.\d)", re.IGNORECASE)
DECADE = re.compile(r"\b(?:in (?:their|his|her|the) )?(?P<d>(?:[2-9]0)'?s|twenties|thirties|forties|fifties|sixties|"
                    r"seventies|eighties|nineties)\b", re.IGNORECASE)
DECADE_WORDS = {"twenties": 20, "thirties": 30, "forties": 40, "fifties": 50, "sixties": 60, "seventies": 70,
                "eighties": 80, "nineties": 90}
RANGE = re.compile(r"\b(?:between|from)\s+(?P<a>\d+(?:\.\d+)?)\s*(?P<ua>kg|g|mm|k)?\s*(?:and|to|-|–)\s*"
                   r"(?P<b>\d+(?:\.\d+)?)\s*(?P<ub>kg|g|mm|k)?", re.IGNORECASE)
ID_RANGE = re.compile(r"\b(?:rows?|ids?|indices|indexes|samples?|records?|entries|patients?|penguins?|tumou?rs?|"
                      r"cases?|customers?|persons?|people|items?|examples?|observations?)\s+(?:#\s*)?(?P<a>\d+)\s*"
                      r"(?:to|-|–|through|thru|until|\.\.)\s*(?P<b>\d+)", re.IGNORECASE)
FIRST_ROWS = re.compile(r"\b(?P<w>first|last)\s+(?P<n>\d+)\s+(?:rows|ids|records|entries|samples)", re.IGNORECASE)
PERSON = re.compile(r"\b(?:people|persons?|patients?|women|men|females?|males?|folks|subjects|individuals|adults|"
                    r"those|ones|anyone|everyone)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    column: str
    value: str | None = None  # a category value
    op: str | None = None  # a comparative ("older" -> >)


def _phrase(text: str) -> str:
    parts = [re.escape(p) for p in re.split(r"[\s_\-]+", text.strip()) if p]
    return r"[\s_\-]*".join(parts)


def column_mentions(text: str, schema: Schema) -> list[Mention]:
    """Column names and their dictionary words in the text, longest first, not overlapping."""
    found: list[Mention] = []
    cands: list[tuple[str, str]] = []
    for name, col in schema.columns.items():
        for phrase in {name, words(name), *col.aliases}:
            cands.append((phrase, name))
    cands.sort(key=lambda pc: len(pc[0]), reverse=True)
    taken = [False] * len(text)
    for phrase, name in cands:
        for m in re.finditer(rf"(?<![\w]){_phrase(phrase)}(?:e?s)?(?![\w])", text, re.IGNORECASE):
            if any(taken[m.start():m.end()]):
                continue
            taken[m.start():m.end()] = [True] * (m.end() - m.start())
            found.append(Mention(m.start(), m.end(), name, op=COMPARATIVES.get(m.group().lower())))
    return sorted(found, key=lambda x: x.start)


def value_mentions(text: str, schema: Schema, columns: list[Mention]) -> list[Mention]:
    """Category values in the text (of features and the target): "Biscoe", "females", "malignant"."""
    found: list[Mention] = []
    taken = [False] * len(text)
    for m in columns:
        taken[m.start:m.end] = [True] * (m.end - m.start)
    for name, col in schema.columns.items():
        if col.kind not in ("categorical", "boolean"):
            continue
        for cat in col.categories:
            forms = {cat, *SYNONYMS.get(cat.lower(), ())}
            if re.fullmatch(r"\d+(?:\.\d+)?", cat):
                continue  # a coded value ("1") is read only after its column's name (`_coded_values`)
            for form in sorted(forms, key=len, reverse=True):
                for m in re.finditer(rf"(?<![\w]){_phrase(form)}(?:s|es)?(?![\w])", text, re.IGNORECASE):
                    if not any(taken[m.start():m.end()]):
                        taken[m.start():m.end()] = [True] * (m.end() - m.start())
                        found.append(Mention(m.start(), m.end(), name, value=cat))
    return found


def _coded_values(text: str, schema: Schema, columns: list[Mention]) -> list[Mention]:
    """A coded category after its column's name: "sex 2", "sex = 1", "sex is 2"."""
    out = []
    for m in columns:
        col = schema.columns[m.column]
        if col.kind not in ("categorical", "boolean"):
            continue
        after = re.match(r"\s*(?:is|=|==|equals|of|:)?\s*'?(\w+)'?", text[m.end:])
        if after and after.group(1) in col.categories and re.fullmatch(r"\d+", after.group(1)):
            out.append(Mention(m.end + after.start(1), m.end + after.end(1), m.column, value=after.group(1)))
    return out


def _scale(value: float, unit: str | None, column: str, schema: Schema) -> float:
    unit = (unit or "").lower()
    col_unit = (schema.columns[column].unit or "") if column in schema.columns else ""
    if unit in ("kg", "kilo", "kilos") and col_unit == "g":
        return value * 1000
    if unit == "cm" and col_unit == "mm":
        return value * 10
    if unit == "k":
        return value * 1000
    return value


def _before_op(text: str) -> tuple[str | None, int]:
    """The comparison word(s) right before a position (text ends there): (op, start) or (None, len)."""
    for pattern, op in BEFORE:
        m = re.search(rf"(?:^|(?<=\W))(?:{pattern})(?:\s+(?:than|to|of|a|an|the))?\s*$", text, re.IGNORECASE)
        if m:
            return op, m.start()
    return None, len(text)


def _nearest_column(mentions: list[Mention], pos: int, window: int, text: str) -> Mention | None:
    near = [m for m in mentions if m.end <= pos and len(text[m.end:pos].split()) <= window and m.value is None]
    return near[-1] if near else None


def _unit_column(unit: str | None, schema: Schema) -> str | None:
    unit = (unit or "").lower()
    want = "years" if unit.startswith(("year", "yr", "y")) else "g" if unit in ("kg", "g", "grams", "gram") else None
    cols = [c for c, col in schema.columns.items() if want and col.unit == want]
    return cols[0] if len(cols) == 1 else None


def _number_atoms(text: str, schema: Schema, columns: list[Mention],
                  skip: list[tuple[int, int]]) -> list[tuple[int, int, Atom]]:
    atoms: list[tuple[int, int, Atom]] = []
    for m in NUMBER.finditer(text):
        if any(a <= m.start() < b for a, b in skip):
            continue
        value = float(m.group("n").replace(",", "."))
        op, op_start = _before_op(text[:m.start()])
        after = next((o for p, o in AFTER if re.match(rf"\s*(?:{p})(?!\w)", text[m.end():], re.IGNORECASE)), None)
        op = after or op
        name = _bind(text, schema, columns, m, op, op_start)
        if op is None and name is not None and _adjacent(text, columns, m, name):
            op = EQ  # "year 2009", "in 2009" after "measured", "a 48 mm bill"
        if name is None and op in (None, EQ):
            name = _level_column(value, schema)
            op = EQ if name else op
        if name is None and op in (GT, LT, GE, LE) and PERSON.search(text[max(0, m.start() - 40):m.start()]):
            name = next((c for c, info in schema.columns.items() if info.unit == "years"), None)
        if name is None or op is None or schema.columns[name].kind != "numeric":
            continue
        start = min([m.start()] + [c.start for c in columns if c.column == name and c.end <= m.start() and
                                   len(text[c.end:m.start()].split()) <= 5])
        atoms.append((start, m.end(), Atom(name, op, _clean(_scale(value, m.group("u"), name, schema)))))
    return atoms


def _bind(text: str, schema: Schema, columns: list[Mention], m: re.Match, op: str | None, op_start: int) -> str | None:
    """The column a number is about: a comparative that names one ("deeper than 19"), the nearest column before
    the comparison (unless a person word lies between: "bmi for people over 50" is about age), a column right
    after the number ("a 48 mm bill"), or the column of the number's unit."""
    named = [c for c in columns if c.op and op_start <= c.start < m.start()]
    if named:
        return named[-1].column
    col = _nearest_column(columns, op_start if op else m.start(), 5, text)
    if col is not None and col.op and op in (GT, None):
        return col.column
    if col is not None and op in (GT, LT, GE, LE) and PERSON.search(text[col.end:op_start]):
        age = next((c for c, info in schema.columns.items() if info.unit == "years"), None)
        if age:
            return age
    if col is not None:
        return col.column
    following = [c for c in columns if c.start >= m.end() and len(text[m.end():c.start].split()) <= 1
                 and c.value is None]
    if following:
        return following[0].column
    return _unit_column(m.group("u"), schema)


def _adjacent(text: str, columns: list[Mention], m: re.Match, name: str) -> bool:
    near = [c for c in columns if c.column == name and (
        (c.end <= m.start() and len(text[c.end:m.start()].split()) <= 2) or
        (c.start >= m.end() and len(text[m.end():c.start].split()) <= 1))]
    return bool(near)


def _level_column(value: float, schema: Schema) -> str | None:
    cols = [c for c, col in schema.columns.items() if col.kind == "numeric" and col.levels and value in col.levels]
    return cols[0] if len(cols) == 1 else None


def _clean(x: float) -> float:
    return int(x) if float(x).is_integer() else round(x, 6)


def _range_atoms(text: str, schema: Schema, columns: list[Mention]) -> tuple[list[tuple[int, int, Cond]],
                                                                         list[tuple[int, int]]]:
    atoms: list[tuple[int, int, Cond]] = []
    spans: list[tuple[int, int]] = []
    for m in RANGE.finditer(text):
        col = _nearest_column(columns, m.start(), 4, text)
        name = col.column if col else _unit_column(m.group("ua") or m.group("ub"), schema)
        if name is None or schema.columns[name].kind != "numeric":
            continue
        unit = m.group("ub") or m.group("ua")
        start = col.start if col else m.start()
        atoms.append((start, m.end(), Cond("and", (
            Atom(name, GE, _clean(_scale(float(m.group("a")), m.group("ua") or unit, name, schema))),
            Atom(name, LE, _clean(_scale(float(m.group("b")), unit, name, schema)))))))
        spans.append(m.span())
    for m in DECADE.finditer(text):
        d = m.group("d").lower().rstrip("s").rstrip("'")
        start = DECADE_WORDS.get(m.group("d").lower()) or int(d)
        name = next((c for c, info in schema.columns.items() if info.unit == "years"), None)
        if name:
            atoms.append((m.start(), m.end(), Cond("and", (Atom(name, GE, start), Atom(name, LT, start + 10)))))
            spans.append(m.span())
    for m in ID_RANGE.finditer(text):
        atoms.append((m.start(), m.end(), Cond("and", (Atom("id", GE, int(m.group("a"))),
                                                       Atom("id", LE, int(m.group("b")))))))
        spans.append(m.span())
    for m in FIRST_ROWS.finditer(text):
        n = int(m.group("n"))
        first = Atom("id", LT, n) if m.group("w").lower() == "first" else Atom("id", GE, schema.rows - n)
        atoms.append((m.start(), m.end(), Cond("and", (first,))))
        spans.append(m.span())
    return atoms, spans


def _value_cond(text: str, values: list[Mention], target: str) -> list[tuple[int, int, Cond]]:
    by_col: dict[tuple[str, str], list[tuple[int, int, Atom]]] = {}
    for v in values:
        before = text[max(0, v.start - 40):v.start]
        # a class after "predicted" is the model's ("predicted malignant"); any other value keeps its column
        # ("what does it predict for penguins on Biscoe")
        column = "prediction" if v.column == target and PREDICTED.search(before) else v.column
        op = NE if NEGATION.search(before) else EQ
        by_col.setdefault((column, op), []).append((v.start, v.end, Atom(column, op, v.value or "")))
    out = []
    for (_, op), found in by_col.items():
        unique = tuple(dict.fromkeys(a for _, _, a in found))
        out.append((found[0][0], found[-1][1], Cond("or" if op == EQ and len(unique) > 1 else "and", unique)))
    return out


OR = re.compile(r"^\W*(?:or|either)\W*(?:\w+\W+){0,3}?$", re.IGNORECASE)


def read(text: str, schema: Schema) -> Cond | None:
    """The condition a plain-English text states, or None when it states none. Conditions are AND-ed, except
    two joined by "or" ("mean perimeter below 80 or mean concave points below 0.02")."""
    columns = column_mentions(text, schema)
    values = value_mentions(text, schema, columns) + _coded_values(text, schema, columns)
    ranges, spans = _range_atoms(text, schema, columns)
    numbers = _number_atoms(text, schema, columns, spans + [(v.start, v.end) for v in values])
    parts = ranges + [(a, b, Cond("and", (atom,))) for a, b, atom in _predicted_numbers(text, schema, numbers)]
    for a, b, cond in _value_cond(text, values, schema.target):
        first = cond.atoms()[0]
        if first.column == "prediction" and (schema.task != "classification" or first.value not in schema.classes):
            continue
        parts.append((a, b, cond))
    parts.sort(key=lambda p: p[0])
    joined: list[Cond] = []
    for i, (a, _, cond) in enumerate(parts):
        if i and OR.match(text[parts[i - 1][1]:a]) and joined:
            joined[-1] = Cond("or", (joined[-1], cond))
        else:
            joined.append(cond)
    return conjoin(*joined)


def _predicted_numbers(text: str, schema: Schema, atoms: list[tuple[int, int, Atom]]) -> list[tuple[int, int, Atom]]:
    """A regression target's number after "predicted" is the prediction's: "predicted progression above 200"."""
    if schema.task != "regression" or not re.search(r"\bpredict", text, re.IGNORECASE):
        return atoms
    return [(s, e, Atom("prediction", a.op, a.value) if a.column == schema.target else a) for s, e, a in atoms]
