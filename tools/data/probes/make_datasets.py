"""Build the built-in probing datasets from the word lists below (written for talkscope; license-clean).

Every concept is built as minimal pairs: the two classes share the template and the other words and
differ only in the words that carry the concept, which controls for length and topic. Each row records its
`group`, the word or item that carries the concept (the adjective, the verb, the noun, the object, the
relation), so probes can be evaluated on groups they never saw. Beyond the plain pairs, harder rows make the
surface words insufficient: negation and contrast for sentiment, irregular verbs for tense, collective nouns
and attractors for number. Run from this folder to rewrite the CSVs: `python make_datasets.py`.
Deterministic (fixed seed).
"""

from __future__ import annotations

import csv
import itertools
import random
from pathlib import Path

HERE = Path(__file__).parent
RNG = random.Random(1234)

NOUNS = ["film", "meal", "book", "hotel", "concert", "trip", "game", "show", "class", "party", "song", "room",
         "service", "weather", "coffee", "story", "museum", "flight", "team", "garden"]
POS = ["wonderful", "excellent", "delightful", "fantastic", "lovely", "great", "brilliant", "pleasant",
       "superb", "charming"]
NEG = ["terrible", "awful", "dreadful", "horrible", "boring", "poor", "disappointing", "unpleasant",
       "miserable", "dull"]
SENT_TEMPLATES = ["The {n} was {a}.", "I thought the {n} was {a}.", "Honestly, the {n} felt {a}.",
                  "Everyone said the {n} was {a}.", "Our {n} yesterday was {a}.", "In my view the {n} is {a}.",
                  "The whole {n} seemed {a} to us.", "My friends found the {n} {a}."]

SUBJECTS = ["The man", "My sister", "The teacher", "Our neighbour", "The old farmer", "A young girl",
            "The doctor", "His friend", "The pilot", "The baker"]
VERBS = [("walked", "walks"), ("opened", "opens"), ("cleaned", "cleans"), ("painted", "paints"),
         ("visited", "visits"), ("closed", "closes"), ("watched", "watches"), ("helped", "helps"),
         ("called", "calls"), ("played", "plays"), ("cooked", "cooks"), ("repaired", "repairs"),
         ("carried", "carries"), ("wanted", "wants"), ("liked", "likes"), ("needed", "needs")]
OBJECTS = ["the door", "the house", "the car", "the window", "the garden", "the kitchen", "the old shop",
           "the small boat", "the station", "the library"]

NUMBER_PAIRS = [("dog", "dogs"), ("child", "children"), ("teacher", "teachers"), ("car", "cars"),
                ("bird", "birds"), ("student", "students"), ("woman", "women"), ("tree", "trees"),
                ("house", "houses"), ("player", "players"), ("horse", "horses"), ("baby", "babies"),
                ("city", "cities"), ("box", "boxes"), ("man", "men"), ("mouse", "mice"), ("leaf", "leaves"),
                ("nurse", "nurses"), ("train", "trains"), ("farmer", "farmers")]
PREDICATES = [("is", "are", "in the garden"), ("was", "were", "near the river"), ("has", "have", "a red hat"),
              ("looks", "look", "very tired"), ("seems", "seem", "quite happy"), ("runs", "run", "every morning"),
              ("sleeps", "sleep", "in the afternoon"), ("makes", "make", "a lot of noise")]

# (English, French, German, Spanish) phrases that combine grammatically: subject+verb, then object
LANG_VERBS = [("I see", "Je vois", "Ich sehe", "Veo"), ("We like", "Nous aimons", "Wir mögen", "Nos gusta"),
              ("You want", "Tu veux", "Du willst", "Quieres"), ("They take", "Ils prennent", "Sie nehmen", "Toman"),
              ("She buys", "Elle achète", "Sie kauft", "Ella compra"), ("He finds", "Il trouve", "Er findet",
                                                                          "Él encuentra")]
LANG_OBJECTS = [("the house", "la maison", "das Haus", "la casa"), ("the book", "le livre", "das Buch", "el libro"),
                ("the bread", "le pain", "das Brot", "el pan"), ("the car", "la voiture", "das Auto", "el coche"),
                ("the water", "l'eau", "das Wasser", "el agua"), ("the key", "la clé", "den Schlüssel", "la llave"),
                ("the garden", "le jardin", "den Garten", "el jardín"), ("the city", "la ville", "die Stadt",
                                                                        "la ciudad"),
                ("the table", "la table", "den Tisch", "la mesa"), ("the dog", "le chien", "den Hund", "el perro"),
                ("the letter", "la lettre", "den Brief", "la carta"), ("the school", "l'école", "die Schule",
                                                                      "la escuela"),
                ("the flower", "la fleur", "die Blume", "la flor")]
LANG_TAILS = [("today.", "aujourd'hui.", "heute.", "hoy."), ("now.", "maintenant.", "jetzt.", "ahora."),
              ("again.", "encore.", "wieder.", "otra vez."), ("every day.", "chaque jour.", "jeden Tag.",
                                                                 "cada día.")]
LANGS = ["english", "french", "german", "spanish"]

IRREGULAR = [("took", "takes", ["the bus", "the bag", "the train"]),
             ("saw", "sees", ["the house", "the film", "the sea"]),
             ("found", "finds", ["the key", "the bag", "the letter"]),
             ("bought", "buys", ["the bread", "the car", "a ticket"]),
             ("wrote", "writes", ["the letter", "a poem", "the report"]),
             ("sold", "sells", ["the car", "the house", "fruit"]),
             ("drove", "drives", ["the car", "the bus", "the truck"]),
             ("threw", "throws", ["the ball", "the stone", "the bag"]),
             ("caught", "catches", ["the ball", "the bus", "a fish"]),
             ("sang", "sings", ["the song", "a hymn", "the anthem"]),
             ("ate", "eats", ["the bread", "an apple", "the soup"]),
             ("drank", "drinks", ["the water", "the tea", "the milk"]),
             ("built", "builds", ["the house", "a wall", "the boat"]),
             ("forgot", "forgets", ["the key", "the name", "the bag"])]
COLLECTIVE = [("team", "teams"), ("family", "families"), ("committee", "committees"), ("crowd", "crowds"),
              ("band", "bands"), ("jury", "juries"), ("army", "armies"), ("audience", "audiences"), ("flock", "flocks"),
              ("class", "classes")]
PLACES = ["in the garden", "near the river", "with a red hat", "on the old bridge", "by the front door",
          "at the station", "from the village", "under the tall tree"]
ATTRACTOR_FRAMES = ["near the {a}", "next to the {a}", "with the {a}", "behind the {a}"]


Row = tuple[str, str, str]  # text, label, group


def sentiment() -> list[Row]:
    """Plain pairs, then for each noun two hard quadruples: negation ("was not {good}" is negative, "was anything
    but {bad}" positive) and contrast ("{good} but far too long" negative, "far too long but {good}" positive:
    the same words in another order)."""
    rows = []
    for n, t in itertools.product(NOUNS, SENT_TEMPLATES):
        a, b = RNG.choice(POS), RNG.choice(NEG)
        rows += [(t.format(n=n, a=a), "positive", a), (t.format(n=n, a=b), "negative", b)]
    for n in NOUNS:
        for _ in range(2):
            a, b = RNG.choice(POS), RNG.choice(NEG)
            rows += [(f"The {n} was not {a}.", "negative", a), (f"The {n} was anything but {b}.", "positive", b),
                     (f"The {n} was {a} but far too long.", "negative", a),
                     (f"The {n} was far too long but {a}.", "positive", a)]
    return rows


def tense() -> list[Row]:
    """Regular verbs with 10 objects, then irregular verbs (took/takes) with objects that fit them."""
    rows = []
    for (past, present), obj in itertools.product(VERBS, OBJECTS):
        subj = RNG.choice(SUBJECTS)
        rows += [(f"{subj} {past} {obj}.", "past", present), (f"{subj} {present} {obj}.", "present", present)]
    for past, present, objects in IRREGULAR:
        for obj in objects:
            for subj in RNG.sample(SUBJECTS, 2):
                rows += [(f"{subj} {past} {obj}.", "past", present), (f"{subj} {present} {obj}.", "present", present)]
    return rows


def number() -> list[Row]:
    """The subject noun phrase alone, with no verb to give its number away: plain pairs ("The dog near the
    river." / "The dogs near the river."), collective nouns ("The team ..."), and attractors, a noun of the
    other number after the head ("The key near the boxes." / "The keys near the box.")."""
    rows = []
    for (sg, pl), place in itertools.product(NUMBER_PAIRS, PLACES):
        rows += [(f"The {sg} {place}.", "singular", sg), (f"The {pl} {place}.", "plural", sg)]
    for (sg, pl), place in itertools.product(COLLECTIVE, RNG.sample(PLACES, 4)):
        rows += [(f"The {sg} {place}.", "singular", sg), (f"The {pl} {place}.", "plural", sg)]
    for sg, pl in NUMBER_PAIRS:
        for _ in range(2):
            other_sg, other_pl = RNG.choice([p for p in NUMBER_PAIRS if p[0] != sg])
            frame = RNG.choice(ATTRACTOR_FRAMES)
            rows += [(f"The {sg} {frame.format(a=other_pl)}.", "singular", sg),
                     (f"The {pl} {frame.format(a=other_sg)}.", "plural", sg)]
    return rows


def language() -> list[Row]:
    """The group is the sentence's object (its English words), shared by its four translations."""
    rows = []
    for v, o in itertools.product(LANG_VERBS, LANG_OBJECTS):
        t = RNG.choice(LANG_TAILS)
        for i, lang in enumerate(LANGS):
            rows.append((f"{v[i]} {o[i]} {t[i]}", lang, o[0].removeprefix("the ")))
    return rows


def factuality() -> list[Row]:
    """Every fact stated correctly and with another subject's object; the group is the relation."""
    facts = [line.split("\t") for line in (HERE.parents[2] / "benchmarks/data/facts.tsv").read_text().splitlines()[1:]]
    templates = {"capital": "The capital of {s} is {o}.", "language": "The main language of {s} is {o}.",
                 "continent": "{S} is in {o}.", "currency": "The currency of {s} is the {o}.",
                 "country": "{S} is a city in {o}."}
    rows = []
    for rel, s, objs in facts:
        true = objs.split(";")[0]
        others = sorted({o.split(";")[0] for r, _, o in facts if r == rel} - set(objs.split(";")))
        false = RNG.choice(others)
        t = templates[rel]
        for o, label in ((true, "true"), (false, "false")):
            text = t.format(s=s, S=s[0].upper() + s[1:], o=o)
            rows.append((text, label, rel))
    return rows


def main() -> None:
    for name, build in [("sentiment", sentiment), ("tense", tense), ("number", number),
                        ("language", language), ("factuality", factuality)]:
        rows = build()
        with (HERE / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["text", "label", "group"])
            w.writerows(rows)
        counts = {lab: sum(1 for _, x, _ in rows if x == lab) for lab in sorted({x for _, x, _ in rows})}
        print(name, len(rows), counts, len({g for _, _, g in rows}), "groups")


if __name__ == "__main__":
    main()
