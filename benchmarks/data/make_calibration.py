"""Write calibration.tsv: short factual prompts with accepted answers, for fitting and testing the
`confidence` tool's calibration. Written for talkscope; rerun to regenerate (deterministic).

Domains: geography (from facts.tsv), arithmetic (easy to hard), chemistry symbols, word knowledge
(opposites, plurals), sequences (days, months, numbers) and authors of well-known books.
"""

from __future__ import annotations

import random
from pathlib import Path

HERE = Path(__file__).parent
GEO = {"capital": "The capital of {s} is", "continent": "{s} is a country in the continent of",
       "country": "{s} is the capital city of", "currency": "The currency of {s} is the",
       "language": "The official language of {s} is"}
ELEMENTS = {"gold": "Au", "silver": "Ag", "iron": "Fe", "copper": "Cu", "sodium": "Na", "potassium": "K",
            "oxygen": "O", "hydrogen": "H", "carbon": "C", "nitrogen": "N", "helium": "He", "neon": "Ne",
            "calcium": "Ca", "lead": "Pb", "tin": "Sn", "mercury": "Hg", "zinc": "Zn", "sulfur": "S",
            "chlorine": "Cl", "magnesium": "Mg", "aluminium": "Al", "uranium": "U", "platinum": "Pt",
            "nickel": "Ni", "iodine": "I", "phosphorus": "P", "silicon": "Si", "lithium": "Li", "fluorine": "F",
            "tungsten": "W"}
OPPOSITES = {"hot": "cold", "up": "down", "big": "small|little", "fast": "slow", "happy": "sad|unhappy",
             "light": "dark|heavy", "open": "closed|shut", "early": "late", "rich": "poor", "old": "young|new",
             "hard": "soft|easy", "wet": "dry", "full": "empty", "strong": "weak", "long": "short",
             "high": "low", "good": "bad|evil", "win": "lose", "love": "hate", "day": "night",
             "black": "white", "left": "right", "north": "south", "inside": "outside", "true": "false"}
PLURALS = {"mouse": "mice", "child": "children", "foot": "feet", "tooth": "teeth", "man": "men",
           "woman": "women", "goose": "geese", "person": "people", "cactus": "cacti|cactuses", "ox": "oxen",
           "leaf": "leaves", "knife": "knives", "wolf": "wolves", "box": "boxes", "city": "cities",
           "baby": "babies", "sheep": "sheep", "fish": "fish|fishes", "deer": "deer", "crisis": "crises"}
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
NUMBERS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
BOOKS = {"Hamlet": "Shakespeare", "Pride and Prejudice": "Austen", "War and Peace": "Tolstoy",
         "Don Quixote": "Cervantes", "The Origin of Species": "Darwin", "Oliver Twist": "Dickens",
         "A Christmas Carol": "Dickens", "1984": "Orwell", "Animal Farm": "Orwell", "Faust": "Goethe",
         "The Odyssey": "Homer", "Moby-Dick": "Melville", "Les Misérables": "Hugo", "Macbeth": "Shakespeare",
         "Crime and Punishment": "Dostoevsky", "The Divine Comedy": "Dante", "Frankenstein": "Shelley",
         "Ulysses": "Joyce", "The Old Man and the Sea": "Hemingway", "Romeo and Juliet": "Shakespeare"}


def rows() -> list[tuple[str, str, str]]:
    out = []
    for line in (HERE / "facts.tsv").read_text().splitlines()[1:]:
        rel, subj, objs = line.split("\t")
        out.append((GEO[rel].format(s=subj), objs.replace(";", "|"), f"geography/{rel}"))
    rng = random.Random(0)
    for lo, hi, n, level in ((1, 9, 40, "easy"), (10, 99, 30, "medium"), (100, 999, 20, "hard")):
        for _ in range(n):
            a, b = rng.randint(lo, hi), rng.randint(lo, hi)
            out.append((f"{a} + {b} =", str(a + b), f"arithmetic/add-{level}"))
    for _ in range(20):
        a, b = rng.randint(10, 99), rng.randint(1, 9)
        out.append((f"{a} - {b} =", str(a - b), "arithmetic/subtract"))
    for _ in range(20):
        a, b = rng.randint(2, 12), rng.randint(2, 12)
        out.append((f"{a} times {b} is", str(a * b), "arithmetic/multiply"))
    out += [(f"The chemical symbol for {e} is", s, "chemistry/symbol") for e, s in ELEMENTS.items()]
    out += [(f"The opposite of {w} is", o, "words/opposite") for w, o in OPPOSITES.items()]
    out += [(f"The plural of {w} is", p, "words/plural") for w, p in PLURALS.items()]
    out += [(f"The day after {d} is", DAYS[(i + 1) % 7], "sequence/day") for i, d in enumerate(DAYS)]
    out += [(f"The month after {m} is", MONTHS[(i + 1) % 12], "sequence/month") for i, m in enumerate(MONTHS)]
    out += [(f"The number after {n} is", NUMBERS[i + 1], "sequence/number") for i, n in enumerate(NUMBERS[:-1])]
    out += [(f"{b} was written by", a, "literature/author") for b, a in BOOKS.items()]
    return out


def main() -> None:
    data = rows()
    lines = ["prompt\tanswers\tdomain"] + ["\t".join(r) for r in data]
    (HERE / "calibration.tsv").write_text("\n".join(lines) + "\n")
    print(f"{len(data)} prompts")


if __name__ == "__main__":
    main()
