"""Write calibration.tsv: short factual prompts with accepted answers, for fitting and testing the
`confidence` tool's calibration. Written for talkscope; rerun to regenerate (deterministic).

The first 475 rows (2026-11-23): geography (from facts.tsv), arithmetic (easy to hard), chemistry symbols,
word knowledge (opposites, plurals), sequences (days, months, numbers) and authors of well-known books.
Rows added 2026-11-29 follow them (the first rows keep their order, and so their train/test split): more
geography, harder arithmetic, chemistry, grammar, sequences, books, music, painting, history, animals,
anatomy, units, geometry, astronomy, sports, foreign words, food and colours. The domain column is
"top/sub"; the top part is the domain that `confidence_eval.py` holds out whole.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
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

# --- rows added 2026-11-29 (appended after the first 475, which stay as they were) ---
# country: (capital, continent, currency, language); "" where a prompt would be ambiguous or unsure
COUNTRIES = {
    "Belgium": ("Brussels", "Europe", "euro", "Dutch|French|German"),
    "Switzerland": ("Bern|Berne", "Europe", "franc", "German|French|Italian|Romansh"),
    "Bulgaria": ("Sofia", "Europe", "lev", "Bulgarian"),
    "Serbia": ("Belgrade", "Europe", "dinar", "Serbian"),
    "Croatia": ("Zagreb", "Europe", "euro|kuna", "Croatian"),
    "Slovakia": ("Bratislava", "Europe", "euro", "Slovak"),
    "Slovenia": ("Ljubljana", "Europe", "euro", "Slovene|Slovenian"),
    "Estonia": ("Tallinn", "Europe", "euro", "Estonian"),
    "Latvia": ("Riga", "Europe", "euro", "Latvian"),
    "Lithuania": ("Vilnius", "Europe", "euro", "Lithuanian"),
    "Iceland": ("Reykjavik|Reykjavík", "Europe", "krona|króna", "Icelandic"),
    "Belarus": ("Minsk", "Europe", "ruble|rouble", "Belarusian|Russian"),
    "Albania": ("Tirana", "Europe", "lek", "Albanian"),
    "Luxembourg": ("Luxembourg", "Europe", "euro", "Luxembourgish|French|German"),
    "Malta": ("Valletta", "Europe", "euro", "Maltese|English"),
    "the United Kingdom": ("London", "Europe", "pound|sterling", "English"),
    "Scotland": ("Edinburgh", "Europe", "pound|sterling", ""),
    "Morocco": ("Rabat", "Africa", "dirham", "Arabic|Berber|Tamazight"),
    "Algeria": ("Algiers", "Africa", "dinar", "Arabic|Berber|Tamazight"),
    "Tunisia": ("Tunis", "Africa", "dinar", "Arabic"),
    "Libya": ("Tripoli", "Africa", "dinar", "Arabic"),
    "Ghana": ("Accra", "Africa", "cedi", "English"),
    "Senegal": ("Dakar", "Africa", "franc", "French"),
    "South Africa": ("Pretoria|Cape Town|Bloemfontein", "Africa", "rand", ""),
    "Tanzania": ("Dodoma", "Africa", "shilling", "Swahili|English"),
    "Uganda": ("Kampala", "Africa", "shilling", "English|Swahili"),
    "Zimbabwe": ("Harare", "Africa", "", ""),
    "Zambia": ("Lusaka", "Africa", "kwacha", "English"),
    "Angola": ("Luanda", "Africa", "kwanza", "Portuguese"),
    "Sudan": ("Khartoum", "Africa", "pound", "Arabic|English"),
    "Somalia": ("Mogadishu", "Africa", "shilling", "Somali|Arabic"),
    "Madagascar": ("Antananarivo", "Africa", "ariary", "Malagasy|French"),
    "Mali": ("Bamako", "Africa", "franc", ""),
    "Rwanda": ("Kigali", "Africa", "franc", "Kinyarwanda|English|French|Swahili"),
    "the Democratic Republic of the Congo": ("Kinshasa", "Africa", "franc", "French"),
    "Iraq": ("Baghdad", "Asia", "dinar", "Arabic|Kurdish"),
    "Syria": ("Damascus", "Asia", "pound", "Arabic"),
    "Jordan": ("Amman", "Asia", "dinar", "Arabic"),
    "Lebanon": ("Beirut", "Asia", "pound", "Arabic"),
    "Afghanistan": ("Kabul", "Asia", "afghani", "Pashto|Dari"),
    "Bangladesh": ("Dhaka", "Asia", "taka", "Bengali|Bangla"),
    "Nepal": ("Kathmandu", "Asia", "rupee", "Nepali"),
    "Sri Lanka": ("Colombo|Kotte", "Asia", "rupee", "Sinhala|Tamil"),
    "Malaysia": ("Kuala Lumpur", "Asia", "ringgit", "Malay"),
    "Singapore": ("Singapore", "Asia", "dollar", "English|Malay|Mandarin|Tamil"),
    "Mongolia": ("Ulaanbaatar|Ulan Bator", "Asia", "tugrik|tögrög", "Mongolian"),
    "North Korea": ("Pyongyang", "Asia", "won", "Korean"),
    "Cambodia": ("Phnom Penh", "Asia", "riel", "Khmer"),
    "Laos": ("Vientiane", "Asia", "kip", "Lao"),
    "Kazakhstan": ("Astana|Nur-Sultan", "Asia", "tenge", "Kazakh|Russian"),
    "Uzbekistan": ("Tashkent", "Asia", "som", "Uzbek"),
    "Qatar": ("Doha", "Asia", "riyal", "Arabic"),
    "the United Arab Emirates": ("Abu Dhabi", "Asia", "dirham", "Arabic"),
    "Kuwait": ("Kuwait City", "Asia", "dinar", "Arabic"),
    "Oman": ("Muscat", "Asia", "rial", "Arabic"),
    "Venezuela": ("Caracas", "South America", "bolivar|bolívar", "Spanish"),
    "Ecuador": ("Quito", "South America", "dollar", "Spanish"),
    "Bolivia": ("Sucre|La Paz", "South America", "boliviano", "Spanish"),
    "Paraguay": ("Asunción|Asuncion", "South America", "guarani|guaraní", "Spanish|Guarani|Guaraní"),
    "Uruguay": ("Montevideo", "South America", "peso", "Spanish"),
    "Jamaica": ("Kingston", "North America|Caribbean", "dollar", "English"),
    "Panama": ("Panama City", "North America|Central America", "balboa|dollar", "Spanish"),
    "Costa Rica": ("San José|San Jose", "North America|Central America", "colón|colon", "Spanish"),
    "Guatemala": ("Guatemala City", "North America|Central America", "quetzal", "Spanish"),
    "Honduras": ("Tegucigalpa", "North America|Central America", "lempira", "Spanish"),
    "Nicaragua": ("Managua", "North America|Central America", "córdoba|cordoba", "Spanish"),
    "the United States": ("Washington", "North America", "dollar", "English"),
    "New Zealand": ("Wellington", "Oceania|Australia", "dollar", "English|Maori|Māori"),
    "Fiji": ("Suva", "Oceania|Australia", "dollar", "English|Fijian|Hindi"),
    "Papua New Guinea": ("Port Moresby", "Oceania|Australia", "kina", "English|Tok Pisin|Hiri Motu"),
}
US_STATES = {
    "California": "Sacramento", "Texas": "Austin", "New York": "Albany", "Florida": "Tallahassee",
    "Illinois": "Springfield", "Pennsylvania": "Harrisburg", "Ohio": "Columbus", "Georgia": "Atlanta",
    "Michigan": "Lansing", "Washington": "Olympia", "Massachusetts": "Boston", "Arizona": "Phoenix",
    "Colorado": "Denver", "Nevada": "Carson City", "Oregon": "Salem", "Hawaii": "Honolulu", "Alaska": "Juneau",
    "Louisiana": "Baton Rouge", "Tennessee": "Nashville", "Virginia": "Richmond", "Utah": "Salt Lake City",
    "New Jersey": "Trenton", "Kentucky": "Frankfort", "Missouri": "Jefferson City", "Wisconsin": "Madison",
    "Alabama": "Montgomery", "North Carolina": "Raleigh", "South Carolina": "Columbia",
    "Oklahoma": "Oklahoma City", "Iowa": "Des Moines", "Kansas": "Topeka", "Nebraska": "Lincoln",
    "New Mexico": "Santa Fe", "Idaho": "Boise", "Montana": "Helena", "Maine": "Augusta",
    "Vermont": "Montpelier", "Connecticut": "Hartford", "Rhode Island": "Providence", "Delaware": "Dover",
    "Maryland": "Annapolis", "Indiana": "Indianapolis", "Arkansas": "Little Rock", "Mississippi": "Jackson",
    "West Virginia": "Charleston", "Wyoming": "Cheyenne", "South Dakota": "Pierre", "North Dakota": "Bismarck",
    "New Hampshire": "Concord"}
REGIONS = {  # Canadian provinces and Australian states
    "the Canadian province of Ontario": "Toronto", "the Canadian province of Quebec": "Quebec City|Québec City",
    "the Canadian province of British Columbia": "Victoria", "the Canadian province of Alberta": "Edmonton",
    "the Canadian province of Manitoba": "Winnipeg", "the Canadian province of Saskatchewan": "Regina",
    "the Canadian province of Nova Scotia": "Halifax", "the Canadian province of New Brunswick": "Fredericton",
    "the Canadian province of Prince Edward Island": "Charlottetown",
    "the Australian state of New South Wales": "Sydney", "the Australian state of Victoria": "Melbourne",
    "the Australian state of Queensland": "Brisbane", "the Australian state of Western Australia": "Perth",
    "the Australian state of South Australia": "Adelaide", "the Australian state of Tasmania": "Hobart"}
RIVERS = {
    "The river that flows through London is the": "Thames", "The river that flows through Paris is the": "Seine",
    "The river that flows through Rome is the": "Tiber", "The river that flows through Vienna is the": "Danube",
    "The river that flows through Cairo is the": "Nile", "The river that flows through Budapest is the": "Danube",
    "The river that flows through Prague is the": "Vltava|Moldau",
    "The river that flows through Berlin is the": "Spree", "The river that flows through Baghdad is the": "Tigris",
    "The river that flows through Lisbon is the": "Tagus|Tejo", "The river that flows through Moscow is the": "Moskva",
    "The river that flows through Dresden is the": "Elbe", "The longest river in Europe is the": "Volga",
    "The longest river in China is the": "Yangtze|Chang Jiang",
    "The longest river in the United States is the": "Missouri|Mississippi",
    "The longest river in Africa is the": "Nile", "The longest river in South America is the": "Amazon",
    "The river that flows through New Orleans is the": "Mississippi",
    "The river that flows through Cologne is the": "Rhine",
}
SUPERLATIVES = {
    "The highest mountain in the world is": "Everest", "The highest mountain in Africa is": "Kilimanjaro",
    "The highest mountain in North America is": "Denali|McKinley", "The highest mountain in South America is":
    "Aconcagua", "The highest mountain in Japan is": "Fuji", "The highest mountain in Australia is": "Kosciuszko",
    "The largest ocean on Earth is the": "Pacific", "The second largest ocean on Earth is the": "Atlantic",
    "The largest hot desert in the world is the": "Sahara", "The largest country in the world by area is": "Russia",
    "The smallest country in the world by area is": "Vatican", "The largest continent is": "Asia",
    "The smallest continent is": "Australia|Oceania", "The largest island in the world is": "Greenland",
    "The deepest ocean trench in the world is the": "Mariana|Marianas", "The largest lake in Africa is Lake":
    "Victoria", "The largest of the Great Lakes is Lake": "Superior", "The largest country in South America is":
    "Brazil", "The largest country in Africa by area is": "Algeria", "The largest state of the United States is":
    "Alaska", "The coldest continent is": "Antarctica", "The mountain range between France and Spain is the":
    "Pyrenees", "The mountain range that contains Mount Everest is the": "Himalayas|Himalaya",
    "The mountain range along the west of South America is the": "Andes",
    "The sea between Europe and Africa is the": "Mediterranean", "The strait between Spain and Morocco is the":
    "Gibraltar", "The canal that links the Mediterranean and the Red Sea is the": "Suez",
    "The canal that links the Atlantic and the Pacific is the": "Panama",
}
LANDMARKS = {
    "The Eiffel Tower": "Paris|France", "The Colosseum": "Rome|Italy", "The Statue of Liberty": "New York",
    "The Taj Mahal": "Agra|India", "Machu Picchu": "Peru|Cusco|Cuzco", "The Acropolis": "Athens|Greece",
    "The Kremlin": "Moscow|Russia", "The Sagrada Família": "Barcelona|Spain", "Big Ben": "London|England",
    "The Leaning Tower of Pisa": "Italy|Pisa|Tuscany", "Petra": "Jordan", "Angkor Wat": "Cambodia|Siem Reap",
    "The Sydney Opera House": "Sydney|Australia", "The Christ the Redeemer statue": "Rio|Brazil",
    "The Great Pyramid of Giza": "Egypt|Giza|Cairo", "Stonehenge": "England|Wiltshire|Britain",
    "The Golden Gate Bridge": "San Francisco|California", "Chichen Itza": "Mexico|Yucatán|Yucatan",
    "The Alhambra": "Granada|Spain|Andalusia", "The Forbidden City": "Beijing|China",
    "The Brandenburg Gate": "Berlin|Germany", "The Louvre": "Paris|France", "The Hagia Sophia": "Istanbul|Turkey",
    "Mount Kilimanjaro": "Tanzania", "The Parthenon": "Athens|Greece", "Buckingham Palace": "London|England",
    "The Burj Khalifa": "Dubai|United Arab Emirates|UAE", "The Empire State Building": "New York|Manhattan",
    "Red Square": "Moscow|Russia", "Times Square": "New York|Manhattan",
}
ELEMENTS_MORE = {"argon": "Ar", "chromium": "Cr", "manganese": "Mn", "cobalt": "Co", "titanium": "Ti",
                 "bromine": "Br", "krypton": "Kr", "xenon": "Xe", "radon": "Rn", "barium": "Ba", "bismuth": "Bi",
                 "caesium": "Cs", "strontium": "Sr", "plutonium": "Pu", "radium": "Ra", "antimony": "Sb",
                 "cadmium": "Cd", "gallium": "Ga", "germanium": "Ge", "selenium": "Se", "scandium": "Sc",
                 "palladium": "Pd", "rubidium": "Rb", "osmium": "Os", "iridium": "Ir", "thorium": "Th",
                 "zirconium": "Zr", "molybdenum": "Mo", "boron": "B", "vanadium": "V"}
ATOMIC = {"hydrogen": 1, "helium": 2, "lithium": 3, "beryllium": 4, "boron": 5, "carbon": 6, "nitrogen": 7,
          "oxygen": 8, "fluorine": 9, "neon": 10, "sodium": 11, "magnesium": 12, "aluminium": 13, "silicon": 14,
          "phosphorus": 15, "sulfur": 16, "chlorine": 17, "argon": 18, "potassium": 19, "calcium": 20, "iron": 26,
          "copper": 29, "zinc": 30, "silver": 47, "gold": 79, "mercury": 80, "lead": 82, "uranium": 92}
FORMULAS = {"water": "H2O", "carbon dioxide": "CO2", "table salt": "NaCl", "methane": "CH4", "ammonia": "NH3",
            "glucose": "C6H12O6", "sulfuric acid": "H2SO4", "hydrochloric acid": "HCl", "ozone": "O3",
            "carbon monoxide": "CO", "sodium hydroxide": "NaOH", "hydrogen peroxide": "H2O2"}
CHEM_FACTS = {
    "The gas that plants absorb from the air for photosynthesis is": "carbon dioxide|CO2",
    "The most abundant gas in Earth's atmosphere is": "nitrogen", "The lightest chemical element is": "hydrogen",
    "The pH of pure water is": "7|seven", "Diamonds are made of the element": "carbon",
    "The noble gas used in glowing red advertising signs is": "neon",
    "The chemical name of table salt is sodium": "chloride", "The only metal that is liquid at room temperature is":
    "mercury", "The element with the chemical symbol Fe is": "iron", "The element with the chemical symbol Au is":
    "gold", "The element with the chemical symbol Na is": "sodium", "The element with the chemical symbol K is":
    "potassium", "The element with the chemical symbol Pb is": "lead", "The element with the chemical symbol Ag is":
    "silver", "The element with the chemical symbol Hg is": "mercury", "Water is made of hydrogen and": "oxygen",
}
PAST = {"go": "went", "eat": "ate", "see": "saw", "run": "ran", "write": "wrote", "take": "took", "give": "gave",
        "come": "came", "buy": "bought", "think": "thought", "bring": "brought", "catch": "caught",
        "teach": "taught", "fly": "flew", "swim": "swam", "sing": "sang", "drink": "drank", "begin": "began",
        "break": "broke", "choose": "chose", "drive": "drove", "fall": "fell", "feel": "felt", "find": "found",
        "forget": "forgot", "freeze": "froze", "grow": "grew", "know": "knew", "leave": "left", "lose": "lost",
        "make": "made", "meet": "met", "pay": "paid", "ride": "rode", "sell": "sold", "send": "sent", "sit": "sat",
        "sleep": "slept", "speak": "spoke", "stand": "stood", "steal": "stole", "tell": "told", "throw": "threw",
        "understand": "understood", "wear": "wore", "win": "won", "fight": "fought", "seek": "sought",
        "swear": "swore", "weep": "wept"}
COMPARATIVES = {"The comparative of good is": "better", "The comparative of bad is": "worse",
                "The comparative of far is": "farther|further", "The comparative of little is": "less",
                "The comparative of many is": "more", "The comparative of big is": "bigger",
                "The comparative of happy is": "happier", "The comparative of small is": "smaller",
                "The superlative of good is": "best", "The superlative of bad is": "worst",
                "The superlative of big is": "biggest", "The superlative of happy is": "happiest"}
OPPOSITES_MORE = {"above": "below|beneath|under", "before": "after", "push": "pull", "buy": "sell",
                  "give": "take|receive", "question": "answer", "friend": "enemy|foe", "begin": "end|finish",
                  "laugh": "cry", "male": "female", "ancient": "modern", "war": "peace", "success": "failure",
                  "accept": "reject|refuse|decline", "arrive": "depart|leave", "asleep": "awake",
                  "cheap": "expensive|dear", "clean": "dirty", "deep": "shallow", "difficult": "easy|simple",
                  "thick": "thin", "wide": "narrow", "loud": "quiet|soft", "sweet": "sour|bitter",
                  "tight": "loose", "rough": "smooth", "maximum": "minimum", "always": "never",
                  "entrance": "exit", "victory": "defeat", "import": "export", "increase": "decrease",
                  "visible": "invisible", "heavy": "light", "beautiful": "ugly", "brave": "cowardly|afraid",
                  "alive": "dead", "first": "last", "winter": "summer", "east": "west"}
PLURALS_MORE = {"louse": "lice", "die": "dice", "cherry": "cherries", "potato": "potatoes", "tomato": "tomatoes",
                "hero": "heroes", "wife": "wives", "life": "lives", "half": "halves", "calf": "calves",
                "loaf": "loaves", "thief": "thieves", "analysis": "analyses", "thesis": "theses",
                "phenomenon": "phenomena", "criterion": "criteria", "radius": "radii|radiuses",
                "fungus": "fungi|funguses", "nucleus": "nuclei", "index": "indices|indexes",
                "appendix": "appendices|appendixes", "bus": "buses|busses", "church": "churches",
                "dish": "dishes", "toy": "toys", "moose": "moose", "aircraft": "aircraft", "series": "series",
                "species": "species", "cat": "cats", "dog": "dogs", "book": "books", "house": "houses",
                "glass": "glasses"}
SEASONS = ["spring", "summer", "autumn", "winter"]
TEENS = ["twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]
BOOKS_MORE = {
    "To Kill a Mockingbird": "Lee|Harper Lee", "Jane Eyre": "Brontë|Bronte",
    "Wuthering Heights": "Brontë|Bronte",
    "Great Expectations": "Dickens",
    "David Copperfield": "Dickens", "A Tale of Two Cities": "Dickens", "Emma": "Austen",
    "Sense and Sensibility": "Austen", "Anna Karenina": "Tolstoy", "The Brothers Karamazov": "Dostoevsky|Dostoyevsky",
    "Othello": "Shakespeare", "King Lear": "Shakespeare", "The Tempest": "Shakespeare",
    "A Midsummer Night's Dream": "Shakespeare", "Brave New World": "Huxley",
    "The Grapes of Wrath": "Steinbeck", "Of Mice and Men": "Steinbeck", "The Adventures of Tom Sawyer": "Twain",
    "Adventures of Huckleberry Finn": "Twain", "Dracula": "Stoker", "The Picture of Dorian Gray": "Wilde",
    "Alice's Adventures in Wonderland": "Carroll", "Treasure Island": "Stevenson",
    "Gulliver's Travels": "Swift", "Robinson Crusoe": "Defoe",
    "The Iliad": "Homer", "The Aeneid": "Virgil|Vergil", "Madame Bovary": "Flaubert",
    "The Count of Monte Cristo": "Dumas", "The Three Musketeers": "Dumas",
    "Twenty Thousand Leagues Under the Seas": "Verne", "Around the World in Eighty Days": "Verne",
    "One Hundred Years of Solitude": "García Márquez|Garcia Marquez|Márquez|Marquez", "The Metamorphosis": "Kafka",
    "The Trial": "Kafka", "Lolita": "Nabokov", "Mrs Dalloway": "Woolf", "To the Lighthouse": "Woolf",
    "The Sun Also Rises": "Hemingway", "A Farewell to Arms": "Hemingway", "For Whom the Bell Tolls": "Hemingway",
    "Fahrenheit 451": "Bradbury", "Lord of the Flies": "Golding", "The Jungle Book": "Kipling",
    "Little Women": "Alcott", "Uncle Tom's Cabin": "Stowe|Beecher Stowe", "The Scarlet Letter": "Hawthorne",
    "Heart of Darkness": "Conrad", "The Canterbury Tales": "Chaucer", "Paradise Lost": "Milton",
    "Leviathan": "Hobbes", "The Republic": "Plato", "The Prince": "Machiavelli", "The Wealth of Nations": "Smith",
    "Das Kapital": "Marx", "The Communist Manifesto": "Marx|Engels", "Slaughterhouse-Five": "Vonnegut",
    "Catch-22": "Heller", "Beloved": "Morrison", "The Handmaid's Tale": "Atwood",
    "Charlie and the Chocolate Factory": "Dahl", "Matilda": "Dahl",
    "The Little Prince": "Saint-Exupéry|Saint-Exupery|Exupéry|Exupery",

    "A Study in Scarlet": "Doyle|Conan Doyle", "Murder on the Orient Express": "Christie", "The Raven": "Poe",
    "Leaves of Grass": "Whitman", "Dubliners": "Joyce", "Middlemarch": "Eliot",
    "Vanity Fair": "Thackeray", "Tess of the d'Urbervilles": "Hardy", "The Call of the Wild": "London",
    "Walden": "Thoreau", "The Stranger": "Camus", "Candide": "Voltaire", "The Name of the Rose": "Eco",
    "The Da Vinci Code": "Brown|Dan Brown", "The Shining": "King|Stephen King", "Gone with the Wind": "Mitchell",
    "Things Fall Apart": "Achebe", "The Alchemist": "Coelho", "Siddhartha": "Hesse", "Steppenwolf": "Hesse",
    "The Tin Drum": "Grass", "Doctor Zhivago": "Pasternak", "Eugene Onegin": "Pushkin",
    "The Master and Margarita": "Bulgakov", "Dead Souls": "Gogol", "Fathers and Sons": "Turgenev",
    "A Doll's House": "Ibsen", "Oedipus Rex": "Sophocles", "Waiting for Godot": "Beckett",
    "Death of a Salesman": "Miller|Arthur Miller", "A Streetcar Named Desire": "Williams|Tennessee Williams",
    "The Importance of Being Earnest": "Wilde", "Pygmalion": "Shaw", "The Hunchback of Notre-Dame": "Hugo",
}
MUSIC = {
    "The Magic Flute": "Mozart", "The Four Seasons": "Vivaldi", "The Moonlight Sonata": "Beethoven",
    "The Nutcracker": "Tchaikovsky", "Swan Lake": "Tchaikovsky", "The Ring of the Nibelung": "Wagner",
    "Carmen": "Bizet", "La traviata": "Verdi", "Aida": "Verdi", "Rigoletto": "Verdi",
    "Madama Butterfly": "Puccini", "La bohème": "Puccini", "Tosca": "Puccini", "The Barber of Seville": "Rossini",
    "The Marriage of Figaro": "Mozart", "Don Giovanni": "Mozart", "Eine kleine Nachtmusik": "Mozart",
    "Für Elise": "Beethoven", "Messiah": "Handel|Händel", "Water Music": "Handel|Händel",
    "The Brandenburg Concertos": "Bach", "The Rite of Spring": "Stravinsky", "The Firebird": "Stravinsky",
    "Boléro": "Ravel", "Clair de lune": "Debussy", "The Planets": "Holst", "Rhapsody in Blue": "Gershwin",
    "The Blue Danube": "Strauss", "Peter and the Wolf": "Prokofiev", "The 1812 Overture": "Tchaikovsky",
    "Carmina Burana": "Orff", "The New World Symphony": "Dvořák|Dvorak|Dvorák",
    "Pictures at an Exhibition": "Mussorgsky|Moussorgsky", "The Goldberg Variations": "Bach",
    "The Sleeping Beauty ballet": "Tchaikovsky",
}
PAINTINGS = {
    "The Mona Lisa": "Leonardo|Vinci", "The Starry Night": "Gogh", "The Last Supper": "Leonardo|Vinci",
    "The Scream": "Munch", "Guernica": "Picasso", "The Persistence of Memory": "Dalí|Dali",
    "The Birth of Venus": "Botticelli", "The Night Watch": "Rembrandt", "Girl with a Pearl Earring": "Vermeer",
    "The Creation of Adam": "Michelangelo", "Impression, Sunrise": "Monet", "The Kiss": "Klimt",
    "American Gothic": "Wood|Grant Wood", "The Garden of Earthly Delights": "Bosch",
    "Las Meninas": "Velázquez|Velazquez", "The Great Wave off Kanagawa": "Hokusai",
    "Les Demoiselles d'Avignon": "Picasso", "The School of Athens": "Raphael",
    "Liberty Leading the People": "Delacroix", "The Arnolfini Portrait": "Eyck", "The Third of May 1808": "Goya",
    "Nighthawks": "Hopper", "Campbell's Soup Cans": "Warhol", "The Son of Man": "Magritte",
    "The Hay Wain": "Constable", "The Fighting Temeraire": "Turner", "The ceiling of the Sistine Chapel":
    "Michelangelo", "Whistler's Mother": "Whistler", "Water Lilies": "Monet", "Sunflowers": "Gogh",
}
YEARS = {
    "World War II ended in the year": "1945", "World War I began in the year": "1914",
    "The French Revolution began in the year": "1789", "Christopher Columbus first reached the Americas in the year":
    "1492", "The Berlin Wall fell in the year": "1989", "The first Moon landing took place in the year": "1969",
    "The United States Declaration of Independence was signed in the year": "1776",
    "The Battle of Hastings took place in the year": "1066", "The Titanic sank in the year": "1912",
    "World War I ended in the year": "1918", "World War II began in the year": "1939",
    "The Soviet Union was dissolved in the year": "1991", "The American Civil War began in the year": "1861",
    "The American Civil War ended in the year": "1865", "Magna Carta was sealed in the year": "1215",
    "The Great Fire of London happened in the year": "1666", "The Battle of Waterloo was fought in the year": "1815",
    "The Wright brothers made the first powered flight in the year": "1903",
    "The attack on Pearl Harbor happened in the year": "1941",
    "Martin Luther posted his Ninety-five Theses in the year": "1517",
    "The September 11 attacks happened in the year": "2001",
    "Nelson Mandela became President of South Africa in the year": "1994", "India became independent in the year":
    "1947", "The Russian October Revolution took place in the year": "1917",
    "Constantinople fell to the Ottomans in the year": "1453", "The Spanish Armada was defeated in the year": "1588",
    "Sputnik was launched in the year": "1957", "Yuri Gagarin flew into space in the year": "1961",
    "John F. Kennedy was assassinated in the year": "1963", "The Wall Street Crash happened in the year": "1929",
    "The People's Republic of China was founded in the year": "1949", "The United Nations was founded in the year":
    "1945", "Germany was reunified in the year": "1990", "The Chernobyl disaster happened in the year": "1986",
    "The Treaty of Versailles was signed in the year": "1919", "The first iPhone was released in the year": "2007",
    "Queen Victoria became queen in the year": "1837", "The Boston Tea Party took place in the year": "1773",
    "The Battle of Gettysburg was fought in the year": "1863", "The Eiffel Tower was completed in the year": "1889",
    "Abraham Lincoln was assassinated in the year": "1865", "The atomic bomb was dropped on Hiroshima in the year":
    "1945", "The Cuban Missile Crisis took place in the year": "1962", "The Korean War began in the year": "1950",
    "The Berlin Wall was built in the year": "1961", "Mount Vesuvius destroyed Pompeii in the year AD": "79",
    "The Brexit referendum was held in the year": "2016",
    "Barack Obama was first elected President of the United States in the year": "2008",
    "Princess Diana died in the year": "1997", "The euro banknotes and coins were introduced in the year": "2002",
    "Julius Caesar was assassinated in the year": "44", "The Western Roman Empire fell in the year": "476",
}
PEOPLE = {
    "The first President of the United States was George": "Washington",
    "The first person to walk on the Moon was Neil": "Armstrong", "The first person in space was Yuri": "Gagarin",
    "The theory of relativity was developed by Albert": "Einstein", "Penicillin was discovered by Alexander":
    "Fleming", "The telephone was patented by Alexander Graham": "Bell",
    "The law of universal gravitation was formulated by Isaac": "Newton",
    "The theory of evolution by natural selection was proposed by Charles": "Darwin",
    "Radium was discovered by Marie": "Curie", "The movable-type printing press in Europe was invented by Johannes":
    "Gutenberg", "The first Roman emperor was": "Augustus|Octavian",
    "The sixteenth President of the United States was Abraham": "Lincoln",
    "The heliocentric model of the solar system was proposed by Nicolaus": "Copernicus",
    "The World Wide Web was invented by Tim": "Berners-Lee", "The periodic table was devised by Dmitri":
    "Mendeleev|Mendeleyev", "The founder of the Mongol Empire was": "Genghis|Chinggis|Temujin",
    "Alexander the Great was tutored by the philosopher": "Aristotle",
    "The British Prime Minister for most of World War II was Winston": "Churchill",
    "The leader of the Soviet Union during World War II was Joseph": "Stalin",
    "The first Chancellor of the German Empire was Otto von": "Bismarck",
    "The leader of India's non-violent independence movement was Mahatma": "Gandhi",
    "Dynamite was invented by Alfred": "Nobel", "The first woman to win a Nobel Prize was Marie": "Curie",
    "The ship on which Charles Darwin sailed was HMS": "Beagle",
    "The polio vaccine was first developed by Jonas": "Salk", "America is named after the explorer Amerigo":
    "Vespucci", "The first emperor of the French was": "Napoleon", "The Pythagorean theorem is named after":
    "Pythagoras",
    "The civil rights leader who gave the I Have a Dream speech was Martin Luther": "King",
}
YOUNG = {"dog": "puppy|pup", "cat": "kitten", "cow": "calf", "horse": "foal|colt|filly", "sheep": "lamb",
         "goat": "kid", "pig": "piglet", "frog": "tadpole|froglet", "kangaroo": "joey", "bear": "cub",
         "lion": "cub", "deer": "fawn", "duck": "duckling", "goose": "gosling", "swan": "cygnet", "owl": "owlet",
         "eagle": "eaglet", "hen": "chick", "seal": "pup", "whale": "calf", "elephant": "calf", "wolf": "pup|cub",
         "tiger": "cub", "rabbit": "kit|kitten|bunny", "butterfly": "caterpillar|larva"}
SOUNDS = {"dog": "bark|woof", "cow": "moo", "cat": "meow|miaow|purr|mew", "lion": "roar", "pig": "oink|grunt",
          "horse": "neigh|whinny", "sheep": "baa|bleat", "duck": "quack", "snake": "hiss", "frog": "croak|ribbit",
          "owl": "hoot", "donkey": "bray|hee-haw", "bee": "buzz", "wolf": "howl", "mouse": "squeak",
          "rooster": "crow|cock-a-doodle-doo", "hen": "cluck", "goat": "bleat|baa"}
GROUPS = {"lions": "pride", "wolves": "pack", "fish": "school|shoal", "cows": "herd", "bees": "swarm|hive|colony",
          "crows": "murder", "geese": "gaggle", "sheep": "flock", "birds": "flock", "ants": "colony",
          "whales": "pod", "dolphins": "pod", "owls": "parliament", "puppies": "litter", "elephants": "herd"}
CLASSES = {"frog": "amphibian", "snake": "reptile", "shark": "fish", "bat": "mammal", "penguin": "bird",
           "eagle": "bird", "crocodile": "reptile", "salamander": "amphibian", "spider": "arachnid",
           "ant": "insect", "butterfly": "insect", "turtle": "reptile", "whale": "mammal", "dolphin": "mammal",
           "salmon": "fish", "lizard": "reptile", "ostrich": "bird", "scorpion": "arachnid", "toad": "amphibian",
           "kangaroo": "marsupial|mammal", "koala": "marsupial|mammal", "beetle": "insect", "tuna": "fish",
           "horse": "mammal"}
ANIMAL_FACTS = {
    "The fastest land animal is the": "cheetah", "The largest animal on Earth is the": "blue whale",
    "The tallest animal is the": "giraffe", "The largest land animal is the": "elephant",
    "The largest living bird is the": "ostrich", "Giant pandas mainly eat": "bamboo",
    "Koalas mainly eat the leaves of the": "eucalyptus|gum", "The only mammal capable of true flight is the": "bat",
    "The number of legs a spider has is": "eight|8", "The number of legs an insect has is": "six|6",
    "The number of arms an octopus has is": "eight|8", "The number of legs a dog has is": "four|4",
    "The animal known as the ship of the desert is the": "camel",
    "The bird that is a symbol of peace is the": "dove", "Bees make": "honey",
    "The animal that produces wool is the": "sheep", "The black and white bear from China is the":
    "giant panda|panda", "The largest big cat is the": "tiger", "A zebra has black and": "white",
    "Caterpillars turn into": "butterflies|butterfly|moths|moth",
}
ANATOMY = {
    "The largest organ of the human body is the": "skin", "The organ that pumps blood around the body is the":
    "heart", "The organs that filter blood to make urine are the": "kidneys|kidney",
    "The longest bone in the human body is the": "femur|thigh bone|thighbone",
    "The smallest bone in the human body is the": "stapes|stirrup",
    "The number of bones in the adult human body is": "206", "The number of chambers in the human heart is":
    "four|4", "Humans breathe air into their": "lungs", "The organ that produces insulin is the": "pancreas",
    "The largest internal organ of the human body is the": "liver", "The kneecap is also called the": "patella",
    "The collarbone is also called the": "clavicle", "The shoulder blade is also called the": "scapula",
    "The skull protects the": "brain", "The coloured part of the eye is the": "iris",
    "The black opening in the centre of the eye is the": "pupil",
    "The number of teeth in a full adult human set is": "32|thirty-two|thirty two",
    "The number of lungs a human has is": "two|2",
    "The muscle that separates the chest from the abdomen is the": "diaphragm", "Bile is produced by the": "liver",
    "The windpipe is also called the": "trachea", "The voice box is also called the": "larynx",
    "The tube that carries food from the mouth to the stomach is the": "esophagus|oesophagus|gullet",
    "Hair and nails are made of the protein": "keratin",
    "Blood vessels that carry blood away from the heart are called": "arteries",
    "Blood vessels that carry blood back to the heart are called": "veins", "The lower jawbone is called the":
    "mandible", "The organ of hearing is the": "ear|ears", "The organ of smell is the": "nose",
    "The organ of taste is the": "tongue", "The cells that carry oxygen in the blood are the red blood": "cells",
    "The protein in red blood cells that carries oxygen is": "haemoglobin|hemoglobin",
    "The brain and the spinal cord form the central": "nervous",
    "The bone that protects the brain is the": "skull|cranium",
}
UNITS = {
    "The number of centimetres in a metre is": "100|one hundred|a hundred",
    "The number of millimetres in a centimetre is": "10|ten",
    "The number of grams in a kilogram is": "1000|1,000|one thousand|a thousand",
    "The number of metres in a kilometre is": "1000|1,000|one thousand|a thousand",
    "The number of seconds in a minute is": "60|sixty", "The number of minutes in an hour is": "60|sixty",
    "The number of hours in a day is": "24|twenty-four|twenty four", "The number of days in a week is": "7|seven",
    "The number of days in a leap year is": "366", "The number of days in a common year is": "365",
    "The number of months in a year is": "12|twelve", "The number of weeks in a year is": "52|fifty-two",
    "The number of years in a century is": "100|one hundred|a hundred", "The number of years in a decade is": "10|ten",
    "The number of years in a millennium is": "1000|1,000|one thousand|a thousand",
    "The number of inches in a foot is": "12|twelve", "The number of feet in a yard is": "3|three",
    "The number of ounces in a pound is": "16|sixteen", "The number of pounds in a stone is": "14|fourteen",
    "The number of millilitres in a litre is": "1000|1,000|one thousand|a thousand",
    "The number of cents in a dollar is": "100|one hundred|a hundred", "The number of items in a dozen is": "12|twelve",
    "The number of seconds in an hour is": "3600|3,600",
    "The number of days in February in a leap year is": "29|twenty-nine",
    "The number of days in September is": "30|thirty", "The freezing point of water in degrees Celsius is": "0|zero",
    "The boiling point of water in degrees Celsius is": "100|one hundred",
    "The boiling point of water in degrees Fahrenheit is": "212",
    "The freezing point of water in degrees Fahrenheit is": "32|thirty-two",
}
SI = {"length": "metre|meter", "mass": "kilogram|kilogramme", "time": "second", "electric current": "ampere|amp",
      "thermodynamic temperature": "kelvin", "force": "newton", "energy": "joule", "power": "watt",
      "pressure": "pascal", "electric charge": "coulomb", "frequency": "hertz", "electrical resistance": "ohm",
      "voltage": "volt", "amount of substance": "mole", "luminous intensity": "candela"}
SHAPES = {"triangle": 3, "square": 4, "pentagon": 5, "hexagon": 6, "heptagon": 7, "octagon": 8, "nonagon": 9,
          "decagon": 10, "dodecagon": 12, "rectangle": 4, "rhombus": 4, "trapezoid": 4}
GEOMETRY = {
    "The sum of the angles of a triangle in degrees is": "180", "The number of degrees in a right angle is": "90",
    "The number of degrees in a full circle is": "360", "The number of faces of a cube is": "six|6",
    "The number of vertices of a cube is": "eight|8", "The number of edges of a cube is": "twelve|12",
    "The value of pi to two decimal places is": "3.14", "A triangle with three equal sides is called":
    "equilateral", "A triangle with a 90-degree angle is called a": "right|right-angled",
    "The distance from the centre of a circle to its edge is the": "radius",
    "The distance across a circle through its centre is the": "diameter",
    "The distance around a circle is its": "circumference", "An angle of less than 90 degrees is called":
    "acute", "An angle of more than 90 but less than 180 degrees is called": "obtuse",
    "The number of faces of a tetrahedron is": "four|4", "A three-dimensional round ball shape is a": "sphere",
}
PLANET_ORDER = ["Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn", "Uranus", "Neptune"]
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"]
ASTRONOMY = {
    "The largest planet in the solar system is": "Jupiter", "The planet closest to the Sun is": "Mercury",
    "The planet known as the Red Planet is": "Mars", "The hottest planet in the solar system is": "Venus",
    "The planet with the most prominent rings is": "Saturn", "Earth's natural satellite is the": "Moon",
    "The star at the centre of the solar system is the": "Sun", "The largest moon of Saturn is": "Titan",
    "The largest moon of Jupiter is": "Ganymede", "The galaxy that contains the solar system is the": "Milky Way",
    "The nearest large spiral galaxy to the Milky Way is the": "Andromeda",
    "The dwarf planet that was once called the ninth planet is": "Pluto",
    "The number of planets in the solar system is": "eight|8", "The brightest star in the night sky is": "Sirius",
    "The North Star is also called": "Polaris", "The planet farthest from the Sun is": "Neptune",
    "The planet that rotates on its side is": "Uranus", "The smallest planet in the solar system is": "Mercury",
    "The first artificial satellite was": "Sputnik", "The moons of Mars are Phobos and": "Deimos",
    "The Great Red Spot is a giant storm on": "Jupiter", "Olympus Mons is a volcano on": "Mars",
    "The Sea of Tranquility is on the": "Moon", "The Earth orbits the": "Sun",
    "The closest star to the Sun is Proxima": "Centauri",
}
SPORTS = {
    "The number of players on a football (soccer) team on the field is": "eleven|11",
    "The number of players on a basketball team on the court is": "five|5",
    "The number of players on a volleyball team on the court is": "six|6",
    "The number of players on a baseball team on the field is": "nine|9",
    "The number of players on a cricket team is": "eleven|11",
    "The number of players on a rugby union team on the field is": "fifteen|15",
    "The number of players on an ice hockey team on the ice is": "six|6",
    "The Summer Olympic Games are held every": "four|4", "The tennis tournament at Wimbledon is played on":
    "grass", "The Tour de France is a race for": "cyclists|cycling|bicycles|bikes|riders",
    "The Super Bowl is the championship game of American": "football",
    "The Stanley Cup is awarded in the sport of ice": "hockey",
    "The sport in which players hit a shuttlecock is": "badminton", "Michael Jordan played": "basketball",
    "Lionel Messi plays": "football|soccer", "Roger Federer played": "tennis", "Tiger Woods plays": "golf",
    "Babe Ruth played": "baseball", "Wayne Gretzky played": "hockey|ice hockey",
    "Muhammad Ali was a professional": "boxer", "Pelé played": "football|soccer",
    "Michael Phelps won his Olympic medals in": "swimming", "Serena Williams played": "tennis",
    "Sachin Tendulkar played": "cricket", "Don Bradman played": "cricket",
    "A touchdown is scored in American": "football", "A hole in one is a term from": "golf",
    "A slam dunk is a move in": "basketball", "Checkmate ends a game of": "chess",
    "A home run is scored in": "baseball", "The number of squares on a chessboard is": "64|sixty-four",
    "The chess piece that moves in an L shape is the": "knight",
    "The chess piece that moves only diagonally is the": "bishop",
    "A score of zero in tennis is called": "love", "A perfect game in ten-pin bowling scores": "300",
    "The first modern Olympic Games were held in the city of": "Athens",
    "The 2012 Summer Olympics were held in": "London", "The 2008 Summer Olympics were held in": "Beijing",
    "The 2000 Summer Olympics were held in": "Sydney", "The 2004 Summer Olympics were held in": "Athens",
    "The 2016 Summer Olympics were held in": "Rio", "The 1992 Summer Olympics were held in": "Barcelona",
    "The 2024 Summer Olympics were held in": "Paris",
    "The 2014 FIFA World Cup was won by": "Germany", "The 2010 FIFA World Cup was won by": "Spain",
    "The 2018 FIFA World Cup was won by": "France", "The 2022 FIFA World Cup was won by": "Argentina",
    "The 2006 FIFA World Cup was won by": "Italy", "The 2002 FIFA World Cup was won by": "Brazil",
    "The 2010 FIFA World Cup was held in": "South Africa",
}
THANKS = {"Gracias": "Spanish", "Danke": "German", "Merci": "French", "Grazie": "Italian",
          "Obrigado": "Portuguese", "Arigatou": "Japanese", "Spasibo": "Russian", "Xie xie": "Chinese|Mandarin",
          "Kamsahamnida": "Korean", "Dank je": "Dutch", "Tack": "Swedish", "Shukran": "Arabic",
          "Asante": "Swahili", "Efcharisto": "Greek", "Dziekuje": "Polish", "Tesekkur ederim": "Turkish",
          "Dhanyavaad": "Hindi"}
WORDS = {  # (language, English word): word
    ("Spanish", "dog"): "perro", ("Spanish", "cat"): "gato", ("Spanish", "water"): "agua",
    ("Spanish", "house"): "casa", ("French", "cat"): "chat", ("French", "water"): "eau",
    ("German", "dog"): "Hund", ("German", "house"): "Haus", ("Italian", "love"): "amore",
    ("Spanish", "love"): "amor", ("French", "love"): "amour", ("Spanish", "friend"): "amigo|amiga",
    ("French", "yes"): "oui", ("German", "yes"): "ja", ("Spanish", "yes"): "sí|si", ("German", "no"): "nein",
    ("French", "book"): "livre", ("Spanish", "book"): "libro", ("German", "water"): "Wasser",
    ("Spanish", "one"): "uno|un|una", ("French", "one"): "un|une", ("German", "one"): "eins|ein|eine",
    ("Spanish", "two"): "dos", ("French", "two"): "deux", ("German", "two"): "zwei", ("Spanish", "three"): "tres",
    ("French", "three"): "trois", ("German", "three"): "drei", ("Italian", "hello"): "ciao|salve",
    ("Spanish", "hello"): "hola", ("French", "hello"): "bonjour|salut", ("German", "hello"): "hallo",
    ("Japanese", "hello"): "konnichiwa", ("French", "bread"): "pain", ("Spanish", "bread"): "pan",
    ("German", "bread"): "Brot", ("French", "good night"): "bonne nuit", ("Spanish", "thank you"): "gracias",
    ("French", "thank you"): "merci", ("German", "thank you"): "danke", ("Italian", "thank you"): "grazie",
    ("French", "sun"): "soleil", ("Spanish", "sun"): "sol", ("German", "sun"): "Sonne",
    ("French", "moon"): "lune", ("Spanish", "moon"): "luna", ("Italian", "water"): "acqua",
}
FOOD = {
    "Sushi originally comes from": "Japan", "Pizza originally comes from": "Italy", "Paella originally comes from":
    "Spain|Valencia", "Kimchi originally comes from": "Korea", "Tacos originally come from": "Mexico",
    "Goulash originally comes from": "Hungary", "Haggis originally comes from": "Scotland",
    "Feta cheese originally comes from": "Greece", "Pho originally comes from": "Vietnam",
    "Guacamole is made mainly from": "avocado|avocados", "Hummus is made mainly from": "chickpeas|chickpea",
    "Tofu is made from": "soybeans|soybean|soy|soya", "Wine is made from": "grapes|grape",
    "Cider is made from": "apples|apple", "Chocolate is made from": "cocoa|cacao",
    "Cheese is made from": "milk", "Popcorn is made from": "corn|maize", "Ketchup is made mainly from":
    "tomatoes|tomato", "Tequila is made from": "agave", "Sake is made from": "rice",
    "Butter is made by churning": "cream|milk", "French fries are made from": "potatoes|potato",
    "Raisins are dried": "grapes", "Prunes are dried": "plums", "Maple syrup is made from the sap of the": "maple",
}
COLOURS = {
    "Mixing blue and yellow paint makes": "green", "Mixing red and white paint makes": "pink",
    "Mixing red and yellow paint makes": "orange", "Mixing red and blue paint makes": "purple|violet",
    "Mixing black and white paint makes": "grey|gray", "The colour of the sky on a clear day is":
    "blue", "The colour of grass is": "green", "The colour of a ripe banana is": "yellow",
    "The colour of fresh snow is": "white", "The colour of coal is": "black", "The colour of a ruby is": "red",
    "The colour of an emerald is": "green", "The colour of a sapphire is usually": "blue",
    "The colours of the flag of Italy are green, white and": "red",
    "The colour you get by mixing all colours of light is": "white",
}


def first_rows() -> list[tuple[str, str, str]]:
    """The first 475 rows (2026-11-23), unchanged: their order fixes their train/test split."""
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


WORD_NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve"]


def _number(n: int) -> str:
    """Accepted spellings of a small whole number: digits, and the word up to twelve."""
    return f"{n}|{WORD_NUMBERS[n]}" if n < len(WORD_NUMBERS) else str(n)


def _plural(answers: str) -> str:
    return "|".join(f"{a}|{a}s" for a in answers.split("|"))


def added_rows() -> list[tuple[str, str, str]]:
    """Rows added 2026-11-29, after the first 475: more countries and places, hard arithmetic, chemistry,
    grammar, sequences, books, music, painting, history, animals, anatomy, units, geometry, astronomy,
    sports, foreign words, food and colours."""
    out: list[tuple[str, str, str]] = []
    taken = {p for p, _, _ in first_rows()}
    rng = random.Random(1)

    def draw(n: int, make: Callable[[], tuple[str, str, str]]) -> None:
        """n generated rows whose prompts are not already in the set."""
        while n:
            row = make()
            if row[0] not in taken:
                taken.add(row[0])
                out.append(row)
                n -= 1

    def subtract() -> tuple[str, str, str]:
        a, b = rng.randint(100, 999), rng.randint(10, 99)
        return f"{a} - {b} =", str(a - b), "arithmetic/subtract-hard"

    def multiply() -> tuple[str, str, str]:
        a, b = rng.randint(13, 99), rng.randint(3, 9)
        return f"{a} times {b} is", str(a * b), "arithmetic/multiply-hard"

    def divide() -> tuple[str, str, str]:
        a, b = rng.randint(2, 12), rng.randint(2, 12)
        return f"{a * b} divided by {b} is", str(a), "arithmetic/divide"

    def progression() -> tuple[str, str, str]:
        a, d = rng.randint(1, 20), rng.randint(2, 12)
        terms = ", ".join(str(a + d * k) for k in range(4))
        return f"The next number in the sequence {terms} is", str(a + 4 * d), "sequence/pattern"

    def powers() -> tuple[str, str, str]:
        a, r = rng.randint(1, 5), rng.randint(2, 4)
        terms = ", ".join(str(a * r ** k) for k in range(4))
        return f"The next number in the sequence {terms} is", str(a * r ** 4), "sequence/pattern"

    for country, (capital, continent, currency, _) in COUNTRIES.items():
        out.append((f"The capital of {country} is", capital, "geography/capital"))
        out.append((f"{country[0].upper() + country[1:]} is a country in the continent of", continent,
                    "geography/continent"))
        if currency:
            out.append((f"The currency of {country} is the", currency, "geography/currency"))
    out += [(f"The capital of the US state of {s} is", c, "geography/state-capital") for s, c in US_STATES.items()]
    out += [(f"The capital of {s} is", c, "geography/state-capital") for s, c in REGIONS.items()]
    out += [(p, a, "geography/river") for p, a in RIVERS.items()]
    out += [(p, a, "geography/superlative") for p, a in SUPERLATIVES.items()]
    out += [(f"{x} is in", a, "geography/landmark") for x, a in LANDMARKS.items()]
    draw(20, subtract)
    draw(20, multiply)
    draw(20, divide)
    out += [(f"{n} squared is", str(n * n), "arithmetic/square") for n in range(2, 17)]
    out += [(f"The square root of {n * n} is", str(n), "arithmetic/root") for n in range(3, 13)]
    out += [(f"The chemical symbol for {e} is", s, "chemistry/symbol") for e, s in ELEMENTS_MORE.items()]
    out += [(f"The atomic number of {e} is", str(z), "chemistry/atomic-number") for e, z in ATOMIC.items()]
    out += [(f"The chemical formula of {c} is", f, "chemistry/formula") for c, f in FORMULAS.items()]
    out += [(p, a, "chemistry/fact") for p, a in CHEM_FACTS.items()]
    out += [(f"The past tense of {v} is", p, "words/past-tense") for v, p in PAST.items()]
    out += [(p, a, "words/comparative") for p, a in COMPARATIVES.items()]
    out += [(f"The opposite of {w} is", o, "words/opposite") for w, o in OPPOSITES_MORE.items()]
    out += [(f"The plural of {w} is", p, "words/plural") for w, p in PLURALS_MORE.items()]
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out += [(f"The letter after {c} in the alphabet is", letters[i + 1], "sequence/letter")
            for i, c in enumerate(letters[:-1]) if c != "H"]  # the answer "I" would match the pronoun
    out += [(f"The day before {d} is", DAYS[i - 1], "sequence/day") for i, d in enumerate(DAYS)]
    out += [(f"The month before {m} is", MONTHS[i - 1], "sequence/month") for i, m in enumerate(MONTHS)]
    out += [(f"The season after {s} is", SEASONS[(i + 1) % 4], "sequence/season") for i, s in enumerate(SEASONS)]
    out += [(f"The number after {n} is", TEENS[i + 1], "sequence/number") for i, n in enumerate(TEENS[:-1])]
    out += [(f"The number before {WORD_NUMBERS[n]} is", _number(n - 1), "sequence/number") for n in range(2, 13)]
    draw(15, progression)
    draw(10, powers)
    out += [(f"{b} was written by", a, "literature/author") for b, a in BOOKS_MORE.items()]
    out += [(f"{w} was composed by", c, "music/composer") for w, c in MUSIC.items()]
    out += [(f"{w} was painted by", a, "art/painter") for w, a in PAINTINGS.items()]
    out += [(p, y, "history/year") for p, y in YEARS.items()]
    out += [(p, a, "history/person") for p, a in PEOPLE.items()]
    out += [(f"A young {a} is called a", y, "animals/young") for a, y in YOUNG.items()]
    out += [(f"The sound a {a} makes is called a", s, "animals/sound") for a, s in SOUNDS.items()]
    out += [(f"A group of {a} is called a", g, "animals/group") for a, g in GROUPS.items()]
    out += [(f"A {a} is a kind of", _plural(c), "animals/class") for a, c in CLASSES.items()]
    out += [(p, a, "animals/fact") for p, a in ANIMAL_FACTS.items()]
    out += [(p, a, "anatomy/body") for p, a in ANATOMY.items()]
    out += [(p, a, "units/conversion") for p, a in UNITS.items()]
    out += [(f"The SI unit of {q} is the", u, "units/si") for q, u in SI.items()]
    out += [(f"The number of sides of a {s} is", _number(n), "geometry/shape") for s, n in SHAPES.items()]
    out += [(p, a, "geometry/fact") for p, a in GEOMETRY.items()]
    out += [(f"The {o} planet from the Sun is", p, "astronomy/planet") for o, p in zip(ORDINALS, PLANET_ORDER)]
    out += [(p, a, "astronomy/fact") for p, a in ASTRONOMY.items()]
    out += [(p, a, "sports/fact") for p, a in SPORTS.items()]
    out += [(f'The word "{w}" means thank you in', lang, "language/thanks") for w, lang in THANKS.items()]
    out += [(f'The {lang} word for "{en}" is', w, "language/word") for (lang, en), w in WORDS.items()]
    out += [(p, a, "food/origin") for p, a in FOOD.items()]
    out += [(p, a, "colour/fact") for p, a in COLOURS.items()]
    return out


def rows() -> list[tuple[str, str, str]]:
    old, new = first_rows(), added_rows()
    seen = {p for p, _, _ in old}
    clash = [p for p, _, _ in new if p in seen] + [p for p, n in Counter(p for p, _, _ in new).items() if n > 1]
    if clash:
        raise ValueError(f"added prompts repeat earlier ones: {clash}")
    return old + new


def main() -> None:
    data = rows()
    lines = ["prompt\tanswers\tdomain"] + ["\t".join(r) for r in data]
    (HERE / "calibration.tsv").write_text("\n".join(lines) + "\n")
    print(f"{len(data)} prompts")


if __name__ == "__main__":
    main()
