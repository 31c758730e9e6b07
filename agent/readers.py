"""Readers: arguments whose grammar is more than one pattern, named by a slot's `reader` in the route data.

Each reader takes the turn, the turn with its quoted text blanked out (same length, `agent/slots.py`) and the
words naming the tool, and returns the argument as text (as a slot pattern's value would be) or None.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from talkscope.tools.base import number_word

BLANK = "\u2591"  # what quoted text is blanked out with


_LAYER = r"(?:layers?|layrs?|lyrs?|blocks?|depth)"
_ALL_LAYERS = re.compile(r"\b(?:every|all|each|the\s+whole\s+stack\s+of)\s+(?:the\s+)?(?:of\s+the\s+)?" + _LAYER +
                         r"|\b" + _LAYER + r"\s+by\s+" + _LAYER + r"|\bacross\s+(?:all\s+)?(?:the\s+)?" + _LAYER +
                         r"\b(?!\s*\d)|\bto\s+the\s+last(?:\s+" + _LAYER + r")?\b", re.IGNORECASE)
_SPAN = r"#?\d+(?:\s*(?:,|and|&|or|to|through|thru|until|-)\s*(?:" + _LAYER + r"\s+)?#?\d+)*"
_LAYER_LISTS = (re.compile(r"\bbetween\s+" + _LAYER + r"\s+(\d+)\s+and\s+(?:" + _LAYER + r"\s+)?(\d+)", re.I),
                re.compile(r"\b" + _LAYER + r"[\s-]+(" + _SPAN + r")", re.IGNORECASE),
                re.compile(r"(?<![\w.])(" + _SPAN + r")\s+" + _LAYER + r"\b", re.IGNORECASE))


_WORD_LIST = r"[A-Za-z]+(?:\s*(?:,|and|to|through|-)\s*(?:the\s+)?[A-Za-z]+)*"


def _numbers_as_digits(text: str) -> str:
    """'the ninth layer' -> 'the 9 layer', 'layers two to four' -> 'layers 2 to 4', 'the 4th layer' -> 'the 4
    layer', 'L4-L6' -> 'layer 4-6'; number words elsewhere stay words ("which layer first predicts")."""
    text = re.sub(r"\bL(\d+)(?:\s*[-–]\s*L?(\d+))?\b", lambda m: f"layer {m[1]}" + (f"-{m[2]}" if m[2] else ""), text)
    text = re.sub(r"\b(\d+)(?:st|nd|rd|th)\b", r"\1", text.replace("–", "-"))

    def digits(m: re.Match[str]) -> str:
        return re.sub(r"[A-Za-z]+", lambda w: number_word(w.group()) or w.group(), m.group())

    def cardinals(m: re.Match[str]) -> str:  # after "layer": "layer nine", not "layer first predicts"
        return re.sub(r"[A-Za-z]+", lambda w: w.group() if re.search(r"(?:st|nd|rd|th)$", w.group())
                      else number_word(w.group()) or w.group(), m.group())

    text = re.sub(r"\b" + _WORD_LIST + r"(?=\s+" + _LAYER + r"\b)", digits, text, flags=re.IGNORECASE)
    return re.sub(r"\b" + _LAYER + r"\s+" + _WORD_LIST, cardinals, text, flags=re.IGNORECASE)


def read_layers(turn: str, blank: str, names: re.Pattern[str] | None = None) -> str | None:
    """The layers a turn names, as text `parse_int_list` reads ('4', '2, 5, 8', '10 to 14', 'every layer'):
    'layer 6', 'layers 3 and 7', 'L2–L6', 'the ninth layer', 'between layer 12 and layer 15', 'all layers'."""
    if re.search(r"\bfirst\b.{0,24}?\bto\s+the\s+(?:last|final|top)\b", blank, re.IGNORECASE):
        return "every layer"  # "from the first layer to the last"
    text = _numbers_as_digits(blank)
    between = _LAYER_LISTS[0].search(text)
    if between:
        return f"{between[1]} to {between[2]}"
    found = [m for pattern in _LAYER_LISTS[1:] for m in pattern.finditer(text)]
    if not found:  # named numbers win over "layer by layer" in the same turn
        return "every layer" if _ALL_LAYERS.search(text) else None
    parts = [re.sub(_LAYER + "|#", " ", m[1], flags=re.IGNORECASE) for m in sorted(found, key=lambda m: m.start())]
    return ", ".join(re.sub(r"\s+", " ", p).strip() for p in parts)


_DOCS = (r"(?:my|our|the|any|some)\s+(?:own\s+)?(?:\w+\s+)?(?:notes|files?|documents?|documentation|docs|papers|"
         r"library|readings|reading\s+list|bookmarks|references|bibliography|knowledge\s+base|wiki|corpus|index|"
         r"sources|stuff|pdfs|folder|collection)(?:\s+of\s+mine)?|^\s*(?:notes|docs|documents|files|papers)\b|(?:a|any)\s+"
         r"(?:file|document|note|paper)s?\s+of\s+mine|\bof\s+mine\b")
_MARKER = (r"\b(?:(?:the\s+)?(?:claim|statement|idea|notion|fact|assertion)\s+that|anything\s+(?:on|about)|"
           r"say(?:s|ing)?(?:\s+that)?|mention(?:s|ing)?(?:\s+that)?|cover(?:s|ing)?|report(?:s|ing)?(?:\s+that)?|"
           r"assert(?:s|ing)?(?:\s+that)?|claim(?:s|ing)?(?:\s+that)?|refute(?:s)?(?:\s+that)?|"
           r"(?:disagree|conflict)s?\s+with(?:\s+the\s+(?:claim|statement|idea)\s+that)?|about|regarding|"
           r"concerning|on|re|for|that)\b")
_LEAD = re.compile(r"^\s*(?:(?:the\s+)?(?:claim|statement|idea|notion|fact)\s+that|anything\s+(?:on|about)|"
                   r"about|on|that)\s+", re.IGNORECASE)
_TAIL = re.compile(r"\s*(?:[—–]\s.*|\s-\s.*|\b(?:in|across|within|from|among)\s+(?:" + _DOCS + r")\b.*|\bat\s+all\b|"
                   r"\btoo\b|\bas\s+well\b|\bplease\b|\b(?:in|across|within|from|among|of)\s*)?\s*[?.!]*\s*$",
                   re.IGNORECASE)
_OPENER = re.compile(r"^\s*(?:please\s+)?(?:look\s+up|search(?:\s+for)?|find(?:\s+me)?|grep(?:\s+for)?|show\s+me|"
                     r"pull\s+up)\s+", re.IGNORECASE)
_NOT_A_CLAIM = re.compile(r"^(?:(?:that|this|it|them|those|these|there|one|ones|the\s+same)|(?:the\s+)?(?:model'?s?\s+|"
                          r"its\s+|their\s+)?(?:answer|output|completion|response|reply|claim|prediction)s?)$|"
                          r"^(?:supported|backed|confirmed|contradicted|covered|mentioned|true|right|correct|wrong|"
                          r"accurate|it|that|this)\b|^(?:sources?|documents?|docs|evidence|citations?|support|"
                          r"passages?|files?|notes)$", re.IGNORECASE)


def read_claim(turn: str, blank: str, names: re.Pattern[str] | None = None) -> str | None:
    """Unquoted text to look up: what follows the first marker ("about", "say that", "mention", ...) after the
    mention of the user's documents (or in the whole turn), without the documents' mention at its end:
    'Anything in my files about the Suez Canal?' -> 'the Suez Canal'."""
    if BLANK in blank:  # quoted text is read by the slot's patterns
        return None
    docs = re.search(_DOCS, blank, re.IGNORECASE)
    markers = re.compile(_MARKER, re.IGNORECASE)
    marker, end = markers.search(blank, docs.end() if docs else 0), len(blank)
    if marker is None and docs is not None:  # "Is there anything on X in my notes?"
        marker, end = markers.search(blank, 0, docs.start()), docs.start()
    opener = _OPENER.search(blank)
    if docs is None and opener is None:
        return None  # "how do I install CUDA on ubuntu" is not a look-up in the user's documents
    if marker is not None:
        rest = blank[marker.end():end]
    elif opener is not None:
        rest = blank[opener.end():]
    else:
        return None
    return _topic(rest)


_ABOUT_THE_ANSWER = re.compile(r"\banswers?\b|\b(?:its|the\s+model'?s?)\s+(?:output|completion|response|prediction)s?\b"
                               r"|"
                               r"\b(?:layers?|tokens?|sources?|docs|documents?)\b", re.IGNORECASE)


def _topic(rest: str) -> str | None:
    """What is left once leading "about"/"the claim that" and trailing "in my notes"/"at all" are cut; None
    when that is no topic (a pronoun, the model's answer, words about layers or documents)."""
    for _ in range(3):
        rest = _LEAD.sub("", rest)
    rest = _TAIL.sub("", rest).strip(" ,;:")
    if len(rest) < 2 or _NOT_A_CLAIM.match(rest) or _ABOUT_THE_ANSWER.search(rest):
        return None
    return rest


_INTRODUCED = re.compile(r"(?:\b(?:for|on|to|of|with|from)\s+the\s+(?:prompt|text|sentence|input)\s*:?|"
                         r"\b(?:prompt|text|sentence|input)\s*(?::|\bis\b))\s+(?P<v>\S.*?)\s*$", re.IGNORECASE)
_AFTER_NAME = (r"^\s*(?:please\s+)?(?:(?:run|apply|do|show|give|compute|use)\s+(?:me\s+)?)?(?:the\s+|an?\s+)?"
               r"(?:{names})\s*(?:,\s*)?(?:on|for|of|over|to|at)\s+(?P<v>\S.*?)\s*$")
_NOT_A_PROMPT = re.compile(r"^(?:layers?|tokens?|the\s+(?:same|last|first|token|layers?|word)|its?|that|this|those|"
                           r"these|at|with|using|only|all|every|each|me)\b", re.IGNORECASE)


def read_unquoted_prompt(turn: str, blank: str, names: re.Pattern[str] | None = None) -> str | None:
    """A prompt written without quotes, in a turn with no quoted text: 'for the prompt my name is', or after the
    tool's own name at the start ('logit lens on The capital of Egypt is'). Anything vaguer stays unread."""
    if BLANK in blank:
        return None
    m = _INTRODUCED.search(turn)
    if m is None and names is not None:
        m = re.match(_AFTER_NAME.format(names=names.pattern), turn, re.IGNORECASE)
    if m is None or len(m["v"].split()) < 2 or _NOT_A_PROMPT.match(m["v"]):
        return None
    return m["v"]


READERS = {"layers": read_layers, "claim": read_claim, "unquoted_prompt": read_unquoted_prompt}


FUZZY = 0.85  # how alike a misspelt word must be to a known one (difflib ratio)


def closest_word(blank: str, known: dict[str, str]) -> str | None:
    """The known word (keys: lower case, no spaces) that one to three words of the turn misspell, or None.
    Only words of six letters or more (shorter ones are too often another word), with the same first letter."""
    words = re.findall(r"[^\W\d_]+", blank.lower())[:60]  # a question's worth, not a pasted page
    best: tuple[float, str | None] = (FUZZY, None)
    for n in (3, 2, 1):
        for i in range(len(words) - n + 1):
            candidate = "".join(words[i:i + n])
            if len(candidate) < 6:
                continue
            for key in known:  # misspellings keep their first letter, nearly always
                if len(key) >= 6 and key[0] == candidate[0] and abs(len(key) - len(candidate)) <= 3:
                    if len(key) == len(candidate) and sorted(key) == sorted(candidate) and key != candidate:
                        return key  # two letters swapped ("nubmer")
                    m = SequenceMatcher(None, candidate, key)
                    if m.real_quick_ratio() > best[0] and m.quick_ratio() > best[0] and m.ratio() > best[0]:
                        best = (m.ratio(), key)
    return best[1]


_FOLLOW_ON = re.compile(r"^\s*(?:(?:ok(?:ay)?|hmm+|and|also|now|then|so|right)[,\s]+)*(?:(?:what|how)\s+about\s+|"
                        r"(?:ok\s+)?last\s+one\s*:\s*|same\s+for\s+)?(?P<v>[^?:]+?)\s*\?*\s*$", re.IGNORECASE)


_QUESTION = re.compile(r"^(?:why|how|what|which|who|where|when|is|are|does|do|can|find|show|run|only|just)\b",
                       re.IGNORECASE)


def follow_on_topic(turn: str) -> str | None:
    """In a follow-up to a look-up, a bare topic is the next thing to look up: 'what about copy suppression?',
    'and speculative decoding?', 'ok last one: tuned lens'. Short turns only; pronouns are not topics."""
    m = _FOLLOW_ON.match(turn)
    marked = m is not None and m["v"] != turn.strip().rstrip("?").strip()  # "and ...", "what about ..."
    if m is None or len(m["v"].split()) > (6 if marked else 3) or _QUESTION.match(m["v"]):
        return None
    return _topic(m["v"])
