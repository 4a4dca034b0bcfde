"""Generated decisions of a Greek municipal council, 1950–2010, with known text.

Tests and benchmarks need pages whose text is known (to measure OCR error
rates, to search a corpus of archive scale) and that read like the real
minutes: the header of the extract («ΑΠΟΣΠΑΣΜΑ από το πρακτικό της 12ης
τακτικής συνεδρίασης…»), «Αριθμός Απόφασης 123/1987», the meeting date in
words, who was present, the rapporteur's account, the discussion, the vote
(«ομόφωνα», «κατά πλειοψηφία») and the signatures. The language follows the
period:

- before 1976 katharevousa in the polytonic system («Ἀριθμὸς Ἀποφάσεως»,
  «συνεδριάσεως», «ὁμοφώνως», amounts «δραχμῶν 12.500»);
- 1976–1981 the demotic of the 1976 reform, still polytonic;
- from 1982 monotonic; amounts in drachmas before 2002, in euros after.

Everything is deterministic: the same ``random.Random`` state (or seed)
gives the same text, on every machine. Pure Python, no Plone imports, so the
ingestion workers, the OCR tests and the benchmarks use it without Zope.

The entry points::

    decision(rng, number, year)            # a dict: number, year, meeting_date,
                                           # subject, pages [text, …], polytonic
    decision_text(rng, number, year, pages=1)   # the pages joined by "\\f"
    generate(total_pages, seed=0)          # decisions of 1–8 pages, 1950–2010
    subjects                               # the ~100 subjects
    polytonic(text)                        # monotonic → polytonic spelling
"""

from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from decimal import Decimal
from decimal import ROUND_HALF_UP
from functools import lru_cache

import random
import re
import string
import unicodedata


TOWN = "Παράδειγμα"
TOWN_DATIVE = "Παραδείγματι"  # «Ἐν Παραδείγματι», in katharevousa

FIRST_YEAR = 1950
LAST_YEAR = 2010
# The official spelling: katharevousa until the 1976 reform, polytonic
# until 1982 (the monotonic system became official by law 1228/1982).
DEMOTIC_FROM = 1976
MONOTONIC_FROM = 1982
EURO_FROM = 2002

# Characters a page carries: a typed page of the minutes.
PAGE_MIN = 1500
PAGE_MAX = 2500
# What fits on an A4 page as testpages.render_page sets it (12 pt, 13 pt
# polytonic, 25 mm margins), for pages that are rendered and read by OCR.
RENDERED_PAGE = (700, 1300)

# ---------------------------------------------------------------------------
# Polytonic spelling
# ---------------------------------------------------------------------------

PSILI = "\u0313"
DASIA = "\u0314"
OXIA = "\u0301"
VARIA = "\u0300"
PERISPOMENI = "\u0342"
DIAERESIS = "\u0308"
YPOGEGRAMMENI = "\u0345"
POLYTONIC_MARKS = {PSILI, DASIA, VARIA, PERISPOMENI, YPOGEGRAMMENI}

VOWELS = set("αεηιουω")
DIPHTHONGS = {"αι", "ει", "οι", "ου", "αυ", "ευ", "ηυ", "υι"}
LONG = {"η", "ω", *DIPHTHONGS}

# Words whose polytonic form the rules below would not find (monotonic,
# lower case, without the final grave: that is added by position).
POLYTONIC_WORDS = {
    "ο": "ὁ",
    "η": "ἡ",
    "οι": "οἱ",
    "αι": "αἱ",
    "ή": "ἤ",
    "το": "τό",
    "τον": "τόν",
    "την": "τήν",
    "τα": "τά",
    "τους": "τούς",
    "τας": "τάς",
    "τις": "τίς",
    "του": "τοῦ",
    "της": "τῆς",
    "των": "τῶν",
    "τω": "τῷ",
    "τη": "τή",
    "τοις": "τοῖς",
    "ταις": "ταῖς",
    "στο": "στό",
    "στον": "στόν",
    "στην": "στήν",
    "στα": "στά",
    "στους": "στούς",
    "στις": "στίς",
    "στη": "στή",
    "για": "γιά",
    "αν": "ἄν",
    "ούτε": "οὔτε",
    "είτε": "εἴτε",
    "ώστε": "ὥστε",
    "ομογενής": "ὁμογενής",
    "εδώ": "ἐδῶ",
    "καίτοι": "καίτοι",
    "αθήνα": "ἀθήνα",
    "και": "καί",
    "με": "μέ",
    "σε": "σέ",
    "να": "νά",
    "θα": "θά",
    "δεν": "δέν",
    "προς": "πρός",
    "προ": "πρό",
    "δε": "δέ",
    "μη": "μή",
    "μην": "μήν",
    "εν": "ἐν",
    "εκ": "ἐκ",
    "εξ": "ἐξ",
    "εις": "εἰς",
    "ως": "ὡς",
    "που": "πού",
    "πας": "πᾶς",
    "νυν": "νῦν",
    "ην": "ἥν",
    "ων": "ὧν",
    "ώρα": "ὥρα",
    "ώραν": "ὥραν",
    "ώρες": "ὧρες",
}

# Words read with the rough breathing (ὁ, ἡμέρα, ὑπό …): whole words, then
# beginnings of words; the exceptions are smooth words the beginnings catch.
ROUGH_WORDS = {
    "ο",
    "η",
    "οι",
    "αι",
    "ως",
    "ωστε",
    "οτι",
    "οπως",
    "οπου",
    "οταν",
    "οτε",
    "ομως",
    "εως",
    "ενας",
    "ενα",
    "ενος",
    "αμα",
    "απαντες",
    "απαντα",
    "απασα",
    "απασαι",
    "απαξ",
    "ουτω",
    "ουτος",
}
ROUGH_BEGINNINGS = (
    "υ",
    "ρ",
    "ημερ",
    "ηλεκτρ",
    "ηλικ",
    "ηγε",
    "ηγο",
    "ημισ",
    "ηρω",
    "ησυχ",
    "οδ",
    "ολ",
    "ομο",
    "ομιλ",
    "ομαδ",
    "ομαλ",
    "ορ",
    "οπο",
    "οσ",
    "ωρ",
    "ως",
    "αγι",
    "αγν",
    "αρμοδ",
    "απλ",
    "αμαξ",
    "αλιε",
    "αιρε",
    "αιμ",
    "ιερ",
    "ιδρυ",
    "ιστορ",
    "ιππ",
    "ικαν",
    "ελλην",
    "ελλαδ",
    "ελλας",
    "εκατ",
    "εκαστ",
    "επτα",
    "εβδομ",
    "εορτ",
    "εταιρ",
    "ετερ",
    "ετοιμ",
    "ερμ",
    "ενωσ",
    "ενωθ",
    "ενια",
    "εστι",
    "ευρε",
    "ευρη",
    "ευρι",
    "εαυτ",
    "εξαμ",
    "εξακ",
    "εξηντ",
)
SMOOTH_BEGINNINGS = (
    "ολιγ",
    "οργ",
    "ορθ",
    "οροφ",
    "ορυκ",
    "ορειν",
    "οσμ",
    "ηρωτ",
    "αγιογ",
    "ολυμπ",
    "ολισθ",
    "ομηρι",
    "οδυσ",
    "οδοντ",
    "ορφ",
    "ορχ",
)
ROUGH_BEGINNINGS += ("ομηρ",)
# The tables are matched against _bare() forms, where every sigma is σ.
ROUGH_WORDS = {word.replace("ς", "σ") for word in ROUGH_WORDS}
ROUGH_BEGINNINGS = tuple(word.replace("ς", "σ") for word in ROUGH_BEGINNINGS)
# Pronouns that lean on the word before them (ὁ Πρόεδρος του,) carry no
# accent; the article before a noun does (τοῦ Δήμου).
ENCLITICS = {"του", "της", "τους", "μου", "σου", "μας", "σας", "τον", "την"}

# A Greek word (not the «ης» of «12ης»), and what makes it followed by
# another word (whitespace, then a letter, a digit or an opening quote).
_GREEK_SPLIT = re.compile(r"(?<![0-9])([\u0370-\u03ff\u1f00-\u1fff\u0300-\u036f]+)")
_FOLLOWED = re.compile(r"\s+[\w«]")


def _bare(word):
    """Lower case without any marks: the key of the breathing tables."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace(
        "ς", "σ"
    )


def _rough(bare):
    if bare in ROUGH_WORDS:
        return True
    if bare.startswith(SMOOTH_BEGINNINGS):
        return False
    return bare.startswith(ROUGH_BEGINNINGS)


def _letters(word):
    """NFD clusters: [base letter, [marks]]."""
    clusters = []
    for char in unicodedata.normalize("NFD", word):
        if unicodedata.combining(char) and clusters:
            clusters[-1][1].append(char)
        else:
            clusters.append([char, []])
    return clusters


def _syllable_nuclei(clusters):
    """Vowel groups as lists of cluster indexes (diphthongs kept together)."""
    groups = []
    i = 0
    while i < len(clusters):
        base = clusters[i][0].lower()
        if base not in VOWELS:
            i += 1
            continue
        nxt = clusters[i + 1] if i + 1 < len(clusters) else None
        if (
            nxt is not None
            and (base + nxt[0].lower()) in DIPHTHONGS
            and DIAERESIS not in nxt[1]
            and OXIA not in clusters[i][1]
        ):
            groups.append([i, i + 1])
            i += 2
        else:
            groups.append([i])
            i += 1
    return groups


def _word_polytonic(word):
    """One word, monotonic (acute only) → polytonic; final acute left acute."""
    if any(c in POLYTONIC_MARKS for c in unicodedata.normalize("NFD", word)):
        return word  # already polytonic (written so in the templates)
    if len(word) > 1 and word.isupper():
        return word  # capitals are written without marks
    lower = word.lower()
    capital = word[0] != lower[0]
    if lower in POLYTONIC_WORDS:
        result = POLYTONIC_WORDS[lower]
        return result[0].upper() + result[1:] if capital else result
    clusters = _letters(lower)
    groups = _syllable_nuclei(clusters)
    if clusters and clusters[0][0] == "ρ":
        clusters[0][1].insert(0, DASIA)  # ῥ: an initial rho is rough
    if groups:
        # Breathing: on the first vowel of the word, the second of a diphthong.
        first = groups[0]
        if first[0] == 0:
            bare = _bare(lower)
            mark = DASIA if _rough(bare) else PSILI
            clusters[first[-1]][1].insert(0, mark)
        # Circumflex: a long accented last syllable of the genitive/dative
        # (-οῦ, -ῶν, -ῆς, -οῦν, -ῶς), or a long accented next-to-last
        # syllable before a short last one (Δῆμος, εἶναι, Σχολεῖο).
        accented = [n for n, g in enumerate(groups) if OXIA in clusters[g[-1]][1]]
        if accented:
            n = accented[0]
            group = groups[n]
            letters = "".join(clusters[i][0] for i in group)
            tail = "".join(c[0] for c in clusters[group[-1] + 1 :])
            circumflex = False
            if n == len(groups) - 1:
                circumflex = (letters, tail) in {
                    ("ου", ""),
                    ("ω", "ν"),
                    ("η", "ς"),
                    ("ου", "ν"),
                    ("ω", "ς"),
                    ("ει", ""),
                    ("ει", "ς"),
                }
            elif n == len(groups) - 2 and letters in LONG:
                last = groups[-1]
                last_letters = "".join(clusters[i][0] for i in last)
                before = clusters[last[0] - 1][0] if last[0] > 0 else ""
                end = "".join(c[0] for c in clusters[last[-1] + 1 :])
                short = last_letters in {"ο", "ε"} or (
                    last_letters in {"αι", "οι"} and end == ""
                )
                short = short or (
                    last_letters == "α" and before not in {"ρ", "ε", "ι"} and end != "ς"
                )
                circumflex = short
            if circumflex:
                marks = clusters[group[-1]][1]
                marks[marks.index(OXIA)] = PERISPOMENI
    result = unicodedata.normalize(
        "NFC", "".join(base + "".join(marks) for base, marks in clusters)
    )
    return result[0].upper() + result[1:] if capital else result


@lru_cache(maxsize=65536)
def _converted(word, followed):
    if not followed and word.lower() in ENCLITICS:
        return word  # before a comma or a full stop: the enclitic pronoun
    result = _word_polytonic(word)
    if followed:
        # An acute on the last syllable turns grave before another word.
        clusters = _letters(result)
        groups = _syllable_nuclei(clusters)
        if groups:
            marks = clusters[groups[-1][-1]][1]
            if OXIA in marks:
                marks[marks.index(OXIA)] = VARIA
                result = unicodedata.normalize(
                    "NFC", "".join(b + "".join(m) for b, m in clusters)
                )
    return result


def polytonic(text):
    """Monotonic Greek → the polytonic system, as printed before 1982.

    Breathings on initial vowels (rough where the word takes it: ὁ, ἡμέρα,
    ὑπό, Ἁγίου …), the circumflex where the accented vowel is long and the
    rules call for it (τοῦ, Δημοτικοῦ, Δῆμος, εἶναι), the grave on a final
    acute followed by another word (τὸ Δημοτικὸ Συμβούλιο), accents on the
    monosyllables that carry one (τοῦ, τῆς, καὶ). Words that already carry
    polytonic marks are kept as written; capitals are left bare. Not a
    philologist's edition — good enough to look like the printed minutes and
    to give the search the forms it must fold.
    """
    parts = _GREEK_SPLIT.split(text)
    # [between, word, between, word, …, between]
    last = len(parts) - 2
    for i in range(1, len(parts), 2):
        after = parts[i + 1]
        followed = bool(after) and (
            (i < last and after.isspace()) or bool(_FOLLOWED.match(after))
        )
        if len(parts[i]) == 1 and after.startswith("."):
            continue  # an initial or an abbreviation: «Ε. Μακρής», «Ο.Ε.»
        parts[i] = _converted(parts[i], followed)
    return "".join(parts)


# ---------------------------------------------------------------------------
# Names, places, money, dates
# ---------------------------------------------------------------------------

MALE_FIRST = (
    "Γεώργιος",
    "Ιωάννης",
    "Κωνσταντίνος",
    "Δημήτριος",
    "Νικόλαος",
    "Παναγιώτης",
    "Βασίλειος",
    "Χρήστος",
    "Αθανάσιος",
    "Μιχαήλ",
    "Ευάγγελος",
    "Σπυρίδων",
    "Αντώνιος",
    "Ηλίας",
    "Θεόδωρος",
    "Εμμανουήλ",
    "Σταύρος",
    "Αναστάσιος",
    "Απόστολος",
    "Στέφανος",
    "Παύλος",
    "Αλέξανδρος",
    "Ιάκωβος",
    "Λεωνίδας",
    "Περικλής",
    "Θρασύβουλος",
    "Χαράλαμπος",
    "Πέτρος",
    "Φώτιος",
    "Ξενοφών",
)
FEMALE_FIRST = (
    "Μαρία",
    "Ελένη",
    "Αικατερίνη",
    "Βασιλική",
    "Σοφία",
    "Αγγελική",
    "Ευαγγελία",
    "Δέσποινα",
    "Παρασκευή",
    "Χρυσούλα",
    "Ειρήνη",
    "Αναστασία",
    "Θεοδώρα",
    "Φωτεινή",
    "Ζωή",
    "Αθηνά",
)
# (male surname, female surname)
SURNAMES = (
    ("Παπαδόπουλος", "Παπαδοπούλου"),
    ("Γεωργίου", "Γεωργίου"),
    ("Νικολάου", "Νικολάου"),
    ("Ιωάννου", "Ιωάννου"),
    ("Παπαγεωργίου", "Παπαγεωργίου"),
    ("Οικονόμου", "Οικονόμου"),
    ("Βασιλείου", "Βασιλείου"),
    ("Δημητρίου", "Δημητρίου"),
    ("Κωνσταντινίδης", "Κωνσταντινίδου"),
    ("Αντωνίου", "Αντωνίου"),
    ("Μακρής", "Μακρή"),
    ("Αλεξίου", "Αλεξίου"),
    ("Καραγιάννης", "Καραγιάννη"),
    ("Παπανικολάου", "Παπανικολάου"),
    ("Χατζηδάκης", "Χατζηδάκη"),
    ("Σταθόπουλος", "Σταθοπούλου"),
    ("Μιχαηλίδης", "Μιχαηλίδου"),
    ("Αθανασίου", "Αθανασίου"),
    ("Πετρόπουλος", "Πετροπούλου"),
    ("Ζαχαρίου", "Ζαχαρίου"),
    ("Λαμπρόπουλος", "Λαμπροπούλου"),
    ("Τσακίρης", "Τσακίρη"),
    ("Ραπτόπουλος", "Ραπτοπούλου"),
    ("Ευαγγέλου", "Ευαγγέλου"),
    ("Ηλιόπουλος", "Ηλιοπούλου"),
    ("Θεοδωρίδης", "Θεοδωρίδου"),
    ("Κουτσούκος", "Κουτσούκου"),
    ("Μαυρομάτης", "Μαυρομάτη"),
    ("Ξανθόπουλος", "Ξανθοπούλου"),
    ("Ορφανίδης", "Ορφανίδου"),
    ("Πολυχρονίου", "Πολυχρονίου"),
    ("Σιδηρόπουλος", "Σιδηροπούλου"),
    ("Τριανταφύλλου", "Τριανταφύλλου"),
    ("Φραγκιαδάκης", "Φραγκιαδάκη"),
    ("Χριστοδούλου", "Χριστοδούλου"),
    ("Ψαράς", "Ψαρά"),
    ("Αναγνωστόπουλος", "Αναγνωστοπούλου"),
    ("Βλάχος", "Βλάχου"),
    ("Γκίκας", "Γκίκα"),
    ("Δεληγιάννης", "Δεληγιάννη"),
    ("Ευθυμίου", "Ευθυμίου"),
    ("Ζερβός", "Ζερβού"),
    ("Καλογεράκης", "Καλογεράκη"),
    ("Λιάπης", "Λιάπη"),
    ("Μπακάλης", "Μπακάλη"),
    ("Ντόκος", "Ντόκου"),
    ("Πανταζής", "Πανταζή"),
    ("Ρούσσος", "Ρούσσου"),
    ("Σαρρής", "Σαρρή"),
    ("Τζαννετάκης", "Τζαννετάκη"),
    ("Υφαντής", "Υφαντή"),
    ("Χαλκιάς", "Χαλκιά"),
    ("Αργυρίου", "Αργυρίου"),
    ("Κυριακίδης", "Κυριακίδου"),
    ("Μουρατίδης", "Μουρατίδου"),
    ("Στεφανίδης", "Στεφανίδου"),
    ("Τσολάκης", "Τσολάκη"),
    ("Γαλανός", "Γαλανού"),
    ("Κανελλόπουλος", "Κανελλοπούλου"),
    ("Ασημακόπουλος", "Ασημακοπούλου"),
)
# Streets (after «οδός» / «της οδού»); the year a street got its name, if
# it matters.
STREETS = (
    ("Ερμού", None),
    ("Αθηνάς", None),
    ("Ελευθερίου Βενιζέλου", None),
    ("Αγίου Δημητρίου", None),
    ("Κολοκοτρώνη", None),
    ("Καραϊσκάκη", None),
    ("Μιαούλη", None),
    ("Κανάρη", None),
    ("25ης Μαρτίου", None),
    ("28ης Οκτωβρίου", None),
    ("Παπαφλέσσα", None),
    ("Ανδρούτσου", None),
    ("Μάρκου Μπότσαρη", None),
    ("Ρήγα Φεραίου", None),
    ("Κοραή", None),
    ("Σολωμού", None),
    ("Κωστή Παλαμά", None),
    ("Ίωνος Δραγούμη", None),
    ("Παύλου Μελά", None),
    ("Εγνατίας", None),
    ("Αριστοτέλους", None),
    ("Πλάτωνος", None),
    ("Σωκράτους", None),
    ("Περικλέους", None),
    ("Θεμιστοκλέους", None),
    ("Ομήρου", None),
    ("Ηρώων Πολυτεχνείου", 1975),
    ("Ειρήνης", None),
    ("Ελευθερίας", None),
    ("Δημοκρατίας", 1975),
    ("Ανεξαρτησίας", None),
    ("Αγίας Σοφίας", None),
    ("Αγίου Νικολάου", None),
    ("Αγίου Γεωργίου", None),
    ("Κυπρίων Αγωνιστών", 1960),
    ("Μακεδονίας", None),
    ("Θράκης", None),
    ("Κρήτης", None),
    ("Ηπείρου", None),
    ("Πόντου", None),
    ("Σμύρνης", None),
    ("Μικράς Ασίας", None),
    ("Κωνσταντινουπόλεως", None),
    ("Τσιμισκή", None),
    ("Φιλικής Εταιρείας", None),
    ("Μητροπόλεως", None),
    ("Ιπποκράτους", None),
    ("Αλεξάνδρου Παπαναστασίου", None),
    ("Νικηφόρου Φωκά", None),
    ("Γρηγορίου Λαμπράκη", 1975),
    ("Εθνικής Αντιστάσεως", 1982),
    ("Λεωφόρου Στρατού", None),
    ("Παραλιακής", None),
    ("Σταδίου", None),
    ("Πατριάρχου Γρηγορίου", None),
    ("Ευαγγελιστρίας", None),
    ("Χαριλάου Τρικούπη", None),
    ("Καποδιστρίου", None),
    ("Ύδρας", None),
    ("Ολύμπου", None),
)
AREAS = (
    "Άνω Πόλης",
    "Κάτω Πόλης",
    "Αγίας Παρασκευής",
    "Νέας Ζωής",
    "Προσφυγικών",
    "Αγίας Τριάδας",
    "Λόφου",
    "Παραλίας",
    "Βαροσίου",
    "Σταθμού",
    "Αγροκηπίου",
    "Αγίου Αθανασίου",
    "Προφήτη Ηλία",
    "Καλλιθέας",
    "Ευαγγελίστριας",
    "Αμπελοκήπων",
)
PLACES = (
    "Μεγάλο Λιβάδι",
    "Παλιόμυλος",
    "Κεφαλόβρυσο",
    "Τρεις Βρύσες",
    "Ξηροπόταμος",
    "Αλώνια",
    "Πλατάνια",
    "Μαύρη Πέτρα",
    "Αμμουδιά",
    "Καστράκι",
)
SCHOOLS = (
    "1ου Δημοτικού Σχολείου",
    "2ου Δημοτικού Σχολείου",
    "3ου Δημοτικού Σχολείου",
    "5ου Δημοτικού Σχολείου",
    "1ου Νηπιαγωγείου",
    "2ου Νηπιαγωγείου",
    "Γυμνασίου Αρρένων",
    "Γυμνασίου Θηλέων",
    "Δημοτικού Σχολείου Αγίας Τριάδας",
    "Νηπιαγωγείου Νέας Ζωής",
)
TRADES = (
    "Τεχνική Εταιρεία",
    "Οικοδομική Εταιρεία",
    "Εμπορικός Οίκος",
    "Εργοληπτική Επιχείρηση",
    "Ηλεκτρολογικά Είδη",
    "Μεταφορική Εταιρεία",
)
MINISTRIES = (
    "Εσωτερικών",
    "Δημοσίων Έργων",
    "Παιδείας",
    "Κοινωνικών Υπηρεσιών",
    "Γεωργίας",
    "Οικονομικών",
    "Πολιτισμού",
)
MONTHS = (
    "Ιανουαρίου",
    "Φεβρουαρίου",
    "Μαρτίου",
    "Απριλίου",
    "Μαΐου",
    "Ιουνίου",
    "Ιουλίου",
    "Αυγούστου",
    "Σεπτεμβρίου",
    "Οκτωβρίου",
    "Νοεμβρίου",
    "Δεκεμβρίου",
)
WEEKDAYS = ("Δευτέρα", "Τρίτη", "Τετάρτη", "Πέμπτη", "Παρασκευή", "Σάββατο", "Κυριακή")
WEEKDAYS_KATHAREVOUSA = (
    "Δευτέραν",
    "Τρίτην",
    "Τετάρτην",
    "Πέμπτην",
    "Παρασκευήν",
    "Σάββατον",
    "Κυριακήν",
)

# Price level of the drachma (2001 = 100), roughly the Greek consumer
# price index: amounts look right for their year.
PRICE_LEVEL = tuple(
    (year, Decimal(level))
    for year, level in (
        (1950, "0.9"),
        (1960, "1.3"),
        (1970, "1.7"),
        (1973, "2.2"),
        (1975, "3.1"),
        (1980, "6.6"),
        (1985, "17"),
        (1990, "38"),
        (1995, "73"),
        (2001, "100"),
    )
)
DRACHMAS_PER_EURO = Decimal("340.75")
# Prices in euros grow this much a year after 2001.
EURO_GROWTH = Decimal("1.035")


def _price_level(year):
    """The drachma's price level of ``year`` (2001 = 100), a Decimal."""
    for (y0, p0), (y1, p1) in zip(PRICE_LEVEL, PRICE_LEVEL[1:], strict=False):
        if y0 <= year <= y1:
            return p0 * (p1 / p0) ** (Decimal(year - y0) / (y1 - y0))
    return PRICE_LEVEL[-1][1] if year > 2001 else PRICE_LEVEL[0][1]


def _thousands(number):
    return f"{number:,}".replace(",", ".")


def format_euros(cents):
    """12345678 → «123.456,78 €» (integer cents, the platform's money rule)."""
    euros, rest = divmod(int(cents), 100)
    return f"{_thousands(euros)},{rest:02d} €"


def amount(rng, year, low, high):
    """A sum of money of the year, worth ``low``–``high`` euros of 2001, as text.

    Drachmas before 2002 («δρχ. 1.250.000», rounded as budgets were), euros
    with cents after (Decimal, half up). Drawn in whole cents: no floats.
    """
    cents = Decimal(rng.randint(round(low * 100), round(high * 100)))
    if year >= EURO_FROM:
        grown = cents * EURO_GROWTH ** (year - 2001)
        return format_euros(int(grown.quantize(Decimal(1), rounding=ROUND_HALF_UP)))
    drachmas = cents / 100 * DRACHMAS_PER_EURO * _price_level(year) / 100
    if drachmas >= 100_000:
        step = 1000
    elif drachmas >= 5_000:
        step = 100
    elif drachmas >= 200:
        step = 10
    else:
        step = 1
    whole = max(step, int(drachmas / step) * step)
    if year < DEMOTIC_FROM:
        return f"δραχμῶν {_thousands(whole)}"
    return f"{_thousands(whole)} δρχ."


def ordinal_genitive(n, katharevousa=False):
    """12 → «12ης» (of the 12th, feminine); katharevousa «22ας» (δευτέρας)."""
    if katharevousa and n % 10 == 2 and n % 100 != 12:
        return f"{n}ας"
    return f"{n}ης"


def date_words(day, katharevousa=False):
    """15 March 1987 → «15 Μαρτίου 1987»."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def meeting_date_phrase(rng, day, katharevousa=False):
    """The meeting's date as the minutes write it, in one of the usual forms."""
    weekday = (WEEKDAYS_KATHAREVOUSA if katharevousa else WEEKDAYS)[day.weekday()]
    month = MONTHS[day.month - 1]
    hour = rng.choice((10, 11, 12, 17, 18, 19, 20))
    if katharevousa:
        clock = f"{hour} π.μ." if hour < 12 else f"{hour - 12 or 12} μ.μ."
        return rng.choice(
            (
                f"τὴν {day.day}ην {month} {day.year}, ἡμέραν {weekday} καὶ ὥραν "
                f"{clock}",
                f"τὴν {day.day}ην τοῦ μηνὸς {month} τοῦ ἔτους {day.year}, "
                f"ἡμέραν {weekday}",
            )
        )
    return rng.choice(
        (
            f"την {day.day}η {month} {day.year}, ημέρα {weekday} και ώρα {hour}:00",
            f"την {day.day}η του μήνα {month} του έτους {day.year}, ημέρα {weekday} "
            f"και ώρα {hour}:00",
            f"την {day.day}η {month} {day.year}, ημέρα {weekday} και ώρα {hour}.00",
        )
    )


def short_date(day):
    """«10-3-1987», as protocol numbers are cited."""
    return f"{day.day}-{day.month}-{day.year}"


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    female: bool

    @property
    def name(self):
        return f"{self.first} {self.last}"

    @property
    def accusative(self):
        """«Γεώργιος Παπαδόπουλος» → «Γεώργιο Παπαδόπουλο» (after «τον»)."""
        return f"{accusative(self.first)} {accusative(self.last)}"


def accusative(word):
    """The accusative of a first name or surname in the nominative."""
    for ending, replacement in (("ών", "ώντα"), ("ων", "ωνα")):
        if word.endswith(ending):
            return word[: -len(ending)] + replacement
    if word.endswith(("ος", "ός", "ας", "άς", "ης", "ής")):
        return word[:-1]
    return word


def person(rng, female_share=0.0):
    female = rng.random() < female_share
    first = rng.choice(FEMALE_FIRST if female else MALE_FIRST)
    last = rng.choice(SURNAMES)[1 if female else 0]
    return Person(first, last, female)


# Terms of the council: elections, and the appointed councils of 1967–1974.
TERMS = (1951, 1954, 1959, 1964, 1967, 1975, 1979, 1983, 1987, 1991, 1995, 1999)
TERMS += (2003, 2007)


def term_of(year):
    return max(t for t in TERMS if t <= year) if year >= TERMS[0] else TERMS[0]


@dataclass(frozen=True)
class Council:
    term: int
    size: int
    mayor: Person
    president: Person
    secretary: Person
    members: tuple


@lru_cache(maxsize=64)
def council(year):
    """The council of the term ``year`` falls in: the same people all term."""
    term = term_of(year)
    rng = random.Random(f"council:{term}")  # noqa: S311 - text, not secrets
    female = 0.02 if term < 1975 else 0.12 if term < 1990 else 0.25
    size = 15 if term < 1983 else 17 if term < 1999 else 27
    people = []
    seen = set()
    while len(people) < size + 1:
        # The mayor and the council's president of these decades were men;
        # the councillors include women more and more.
        candidate = person(rng, female if len(people) > 1 else 0.0)
        if candidate.last not in seen:
            seen.add(candidate.last)
            people.append(candidate)
    secretary = person(rng, 0.6)  # the council's clerk, an employee
    return Council(
        term=term,
        size=size,
        mayor=people[0],
        president=people[1],
        secretary=secretary,
        members=tuple(people[1 : size + 1]),
    )


def code_law(year, katharevousa):
    """The municipal code in force."""
    if year < 1954:
        return "τοῦ Νόμου 2339/1920 «περὶ Δήμων καὶ Κοινοτήτων»"
    if year < 1959:
        return "τοῦ Ν.Δ. 2888/1954"
    if year < 1981:
        if katharevousa:
            return "τοῦ Κώδικος Δήμων καὶ Κοινοτήτων (Β.Δ. 17.5/15.6.1959)"
        return "τοῦ Κώδικα Δήμων καὶ Κοινοτήτων (Β.Δ. 17.5/15.6.1959)"
    if year < 1995:
        return "του Ν. 1065/1980 (Δημοτικός και Κοινοτικός Κώδικας)"
    if year < 2006:
        return "του Π.Δ. 410/1995 (Δημοτικός και Κοινοτικός Κώδικας)"
    return "του Ν. 3463/2006 (Κώδικας Δήμων και Κοινοτήτων)"


def budget_code(rng, year):
    if year < 1982:
        return f"Κεφ. {rng.choice('ΑΒΓΔΕ')}΄ άρθρ. {rng.randint(10, 89)}"
    return (
        f"Κ.Α. {rng.choice((10, 15, 20, 25, 30, 35, 45, 60))}."
        f"{rng.choice((6041, 6117, 6261, 6262, 6662, 6699, 7135, 7311, 7323, 7413))}"
        f".{rng.randint(1, 40):04d}"
    )


# ---------------------------------------------------------------------------
# Subjects and what is said about them
# ---------------------------------------------------------------------------

# category -> (subjects, body sentences, rulings). A subject is (text, first
# year, last year, its own ruling or None: then one of the category's).
# Sentences are demotic (the katharevousa ones are in KATHAREVOUSA below).
# Slots: {street} {street2} {area} {place} {school} {tiny} {tiny2} {small}
# {amount} {large} {huge} {company} {person} {person_acc} {lady} {Member}
# {president} {mayor} {code} {count} {count2} {meters} {year} {next_year}
# {prev_year} {prev} {ministry} {proto} {pdate}.
WORKS = "Εγκρίνει την εκτέλεση του έργου με δαπάνη {large}, σε βάρος του {code}."
CATEGORIES = {
    "water": (
        (
            ("Επέκταση του δικτύου ύδρευσης στη συνοικία Αγίας Παρασκευής", 0, 0, None),
            ("Κατασκευή δεξαμενής ύδρευσης στον λόφο του Προφήτη Ηλία", 0, 0, None),
            ("Ανόρυξη γεώτρησης για την ενίσχυση της ύδρευσης", 1960, 0, None),
            (
                "Αναπροσαρμογή των τελών ύδρευσης",
                0,
                0,
                "Αναπροσαρμόζει το τέλος ύδρευσης σε {tiny} ανά κυβικό μέτρο "
                "κατανάλωσης, από 1ης Ιανουαρίου {next_year}.",
            ),
            ("Αντικατάσταση των αγωγών ύδρευσης της Άνω Πόλης", 0, 0, None),
            (
                "Χλωρίωση του πόσιμου νερού και έλεγχος της ποιότητάς του",
                0,
                0,
                "Εγκρίνει την προμήθεια συσκευών χλωρίωσης αξίας {amount} και "
                "ζητεί από το Υγειονομικό Κέντρο τον τακτικό έλεγχο του νερού.",
            ),
            ("Σύνδεση των οικισμών με το εξωτερικό υδραγωγείο", 0, 0, None),
            ("Κατασκευή αποχετευτικού δικτύου στην Κάτω Πόλη", 0, 0, None),
            (
                "Μελέτη εγκατάστασης επεξεργασίας λυμάτων",
                1975,
                0,
                "Αναθέτει την εκπόνηση της μελέτης με αμοιβή {amount}, σε βάρος "
                "του {code}.",
            ),
            ("Καθαρισμός των ρεμάτων και των αγωγών ομβρίων υδάτων", 0, 0, None),
        ),
        (
            "Η Τεχνική Υπηρεσία του Δήμου συνέταξε μελέτη για την επέκταση του "
            "δικτύου ύδρευσης κατά {meters} μέτρα, από την οδό {street} έως τα "
            "τελευταία σπίτια της συνοικίας {area}.",
            "Οι κάτοικοι της συνοικίας {area} υδρεύονται σήμερα από κοινόχρηστες "
            "βρύσες και πηγάδια, με αποτέλεσμα κατά τους θερινούς μήνες να "
            "παρατηρείται σοβαρή λειψυδρία.",
            "Η χημική ανάλυση δειγμάτων νερού από τη δεξαμενή της θέσης {place} "
            "έδειξε ότι το νερό είναι κατάλληλο για πόση, απαιτείται όμως τακτική "
            "χλωρίωση.",
            "Ο προϋπολογισμός του έργου ανέρχεται σε {large} και περιλαμβάνει "
            "την προμήθεια σωλήνων, τις εκσκαφές και την αποκατάσταση των "
            "οδοστρωμάτων.",
            "Το τέλος ύδρευσης δεν έχει αναπροσαρμοστεί από το έτος {prev_year}, "
            "ενώ το κόστος της άντλησης και της συντήρησης του δικτύου έχει "
            "αυξηθεί σημαντικά.",
            "Κατά τις βροχοπτώσεις του περασμένου χειμώνα πλημμύρισαν υπόγεια "
            "καταστήματα στην οδό {street}, επειδή οι αγωγοί ομβρίων είχαν "
            "φράξει από φερτά υλικά.",
        ),
        (
            "Εγκρίνει τη μελέτη και την εκτέλεση του έργου με προϋπολογισμό "
            "{large}, σε βάρος του {code} του προϋπολογισμού του Δήμου.",
            "Εγκρίνει την εκτέλεση των εργασιών, αναθέτει στην Τεχνική Υπηρεσία "
            "την επίβλεψή τους και εξουσιοδοτεί τον Δήμαρχο να υπογράψει τη "
            "σχετική σύμβαση.",
        ),
    ),
    "lighting": (
        (
            ("Ηλεκτροφωτισμός των οδών της συνοικίας Νέας Ζωής", 0, 0, None),
            (
                "Σύμβαση με τη ΔΕΗ για τον δημοτικό φωτισμό",
                1951,
                0,
                "Εγκρίνει τους όρους της σύμβασης με τη ΔΕΗ και εξουσιοδοτεί τον "
                "Δήμαρχο να την υπογράψει.",
            ),
            ("Τοποθέτηση νέων φωτιστικών σωμάτων στην παραλιακή οδό", 0, 0, None),
            ("Εορταστικός φωτισμός της πόλης για τα Χριστούγεννα", 0, 0, None),
            (
                "Εξόφληση λογαριασμών κατανάλωσης ηλεκτρικού ρεύματος",
                0,
                0,
                "Εγκρίνει την πληρωμή των λογαριασμών της ΔΕΗ ύψους {large}, σε "
                "βάρος του {code}.",
            ),
            ("Ηλεκτροδότηση του οικισμού Αγίου Γεωργίου", 0, 1975, None),
            ("Φωτισμός του δημοτικού γηπέδου", 1965, 0, None),
        ),
        (
            "Σε πολλά τμήματα της οδού {street} δεν υπάρχει ηλεκτροφωτισμός, "
            "με αποτέλεσμα να κινδυνεύουν οι πεζοί κατά τις βραδινές ώρες.",
            "Η Δημόσια Επιχείρηση Ηλεκτρισμού ζήτησε την προκαταβολή του "
            "κόστους για την τοποθέτηση {count} νέων στύλων και φωτιστικών "
            "σωμάτων.",
            "Οι οφειλές του Δήμου προς τη ΔΕΗ για την κατανάλωση ρεύματος του "
            "δημοτικού φωτισμού ανέρχονται σε {large}.",
            "Προτείνεται η αντικατάσταση των παλαιών λαμπτήρων με νέους, "
            "μικρότερης κατανάλωσης, ώστε να μειωθεί η δαπάνη του φωτισμού.",
            "Ο εορταστικός διάκοσμος θα τοποθετηθεί στην κεντρική πλατεία και "
            "στις οδούς {street} και {street2}, από τις 15 Δεκεμβρίου έως τα "
            "Θεοφάνεια.",
        ),
        (
            "Εγκρίνει την εκτέλεση των εργασιών ηλεκτροφωτισμού και διαθέτει "
            "πίστωση {amount} από τον {code}.",
        ),
    ),
    "budget": (
        (
            (
                "Ψήφιση του προϋπολογισμού του Δήμου",
                0,
                0,
                "Ψηφίζει τον προϋπολογισμό του Δήμου για το οικονομικό έτος "
                "{next_year}, όπως τον εισηγήθηκε η Οικονομική Επιτροπή.",
            ),
            (
                "Αναμόρφωση του προϋπολογισμού του Δήμου",
                0,
                0,
                "Εγκρίνει την αναμόρφωση του προϋπολογισμού του έτους {year} "
                "σύμφωνα με τον πίνακα που επισυνάπτεται στην απόφαση αυτή.",
            ),
            (
                "Έγκριση του απολογισμού του προηγούμενου οικονομικού έτους",
                0,
                0,
                "Εγκρίνει τον απολογισμό του προηγούμενου οικονομικού έτους, "
                "όπως τον συνέταξε η Οικονομική Υπηρεσία.",
            ),
            (
                "Σύναψη δανείου με το Ταμείο Παρακαταθηκών και Δανείων",
                0,
                0,
                "Εγκρίνει τη σύναψη δανείου ύψους {large} με το Ταμείο "
                "Παρακαταθηκών και Δανείων, διάρκειας είκοσι ετών.",
            ),
            (
                "Διαγραφή οφειλών από τους χρηματικούς καταλόγους",
                0,
                0,
                "Εγκρίνει τη διαγραφή των οφειλών του συνημμένου πίνακα, "
                "συνολικού ποσού {amount}.",
            ),
            (
                "Έγκριση του τεχνικού προγράμματος του Δήμου",
                1980,
                0,
                "Εγκρίνει το τεχνικό πρόγραμμα του Δήμου για το έτος {next_year}.",
            ),
            (
                "Ψήφιση πιστώσεων για την πληρωμή δαπανών",
                0,
                0,
                "Ψηφίζει πίστωση {amount} σε βάρος του {code} για την πληρωμή των "
                "δαπανών του συνημμένου πίνακα.",
            ),
            (
                "Κατανομή της τακτικής επιχορήγησης από τον Κρατικό Προϋπολογισμό",
                0,
                0,
                "Εγκρίνει την κατανομή της επιχορήγησης ύψους {large} σύμφωνα με "
                "την εισήγηση της Οικονομικής Υπηρεσίας.",
            ),
        ),
        (
            "Ο προϋπολογισμός του οικονομικού έτους {next_year} προβλέπει "
            "έσοδα {huge} και ισόποσα έξοδα, από τα οποία {large} για έργα.",
            "Τα τακτικά έσοδα του Δήμου προέρχονται κυρίως από τα τέλη "
            "καθαριότητας και φωτισμού, το τέλος ύδρευσης και την επιχορήγηση "
            "του Υπουργείου {ministry}.",
            "Από τον έλεγχο των χρηματικών καταλόγων προέκυψε ότι {count} "
            "οφειλέτες είτε έχουν αποβιώσει είτε έχουν χρεωθεί δύο φορές για "
            "την ίδια οφειλή.",
            "Το δάνειο ύψους {large} θα εξοφληθεί σε είκοσι έτη και οι τόκοι "
            "θα καλύπτονται από τα έσοδα των δημοτικών τελών.",
            "Ο απολογισμός παρουσιάζει πλεόνασμα {amount}, το οποίο "
            "μεταφέρεται στο επόμενο οικονομικό έτος.",
            "Η Οικονομική Επιτροπή εξέτασε τον προϋπολογισμό κατά κεφάλαιο "
            "και τον εισηγείται προς ψήφιση χωρίς τροποποιήσεις.",
        ),
        (),
    ),
    "leases": (
        (
            (
                "Μίσθωση ακινήτου για τη στέγαση των δημοτικών υπηρεσιών",
                0,
                0,
                "Εγκρίνει τη μίσθωση του ακινήτου για τρία έτη με μηνιαίο "
                "μίσθωμα {small}.",
            ),
            ("Εκμίσθωση του δημοτικού αναψυκτηρίου της πλατείας", 0, 0, None),
            ("Εκμίσθωση των καταστημάτων της δημοτικής αγοράς", 0, 0, None),
            (
                "Παράταση της μίσθωσης του δημοτικού περιπτέρου",
                0,
                0,
                "Εγκρίνει την παράταση της μίσθωσης για τρία έτη με νέο μηνιαίο "
                "μίσθωμα {small}.",
            ),
            ("Εκμίσθωση δημοτικής έκτασης για καλλιέργεια", 0, 0, None),
            (
                "Μίσθωση χώρου για τη στέγαση του Νηπιαγωγείου",
                0,
                0,
                "Εγκρίνει τη μίσθωση του ακινήτου για τρία έτη με μηνιαίο "
                "μίσθωμα {small}.",
            ),
        ),
        (
            "Η δημοπρασία για την εκμίσθωση του καταστήματος αριθ. {count} της "
            "δημοτικής αγοράς διενεργήθηκε σύμφωνα με τους όρους της διακήρυξης "
            "και τελευταίος πλειοδότης αναδείχθηκε ο {person}.",
            "Το ακίνητο βρίσκεται στην οδό {street} αριθ. {count}, έχει "
            "εμβαδόν {meters} τετραγωνικά μέτρα και κρίθηκε κατάλληλο από την "
            "επιτροπή καταλληλότητας.",
            "Το μηνιαίο μίσθωμα ορίζεται σε {small} και θα αναπροσαρμόζεται "
            "κάθε χρόνο σύμφωνα με τον τιμάριθμο.",
            "Ο μισθωτής ζήτησε παράταση της μίσθωσης για τρία ακόμη έτη, "
            "επικαλούμενος τις δαπάνες που έκανε για την επισκευή του χώρου.",
            "Η έκταση στη θέση {place} έχει εμβαδόν {meters} στρέμματα και "
            "παραμένει ακαλλιέργητη εδώ και χρόνια.",
        ),
        (
            "Εγκρίνει τα πρακτικά της δημοπρασίας και την κατακύρωσή της στον "
            "τελευταίο πλειοδότη, με μηνιαίο μίσθωμα {small}.",
        ),
    ),
    "schools": (
        (
            ("Επισκευή του κτιρίου του 1ου Δημοτικού Σχολείου", 0, 0, None),
            (
                "Ανέγερση νέου διδακτηρίου στη συνοικία Σταθμού",
                0,
                0,
                "Εγκρίνει την ανέγερση του διδακτηρίου και ζητεί τη "
                "χρηματοδότηση του Υπουργείου Παιδείας.",
            ),
            (
                "Παραχώρηση οικοπέδου για την ανέγερση Γυμνασίου",
                0,
                0,
                "Παραχωρεί το δημοτικό οικόπεδο της θέσης {place} για την "
                "ανέγερση του σχολικού κτιρίου.",
            ),
            (
                "Κατανομή πιστώσεων στις σχολικές επιτροπές",
                1985,
                0,
                "Κατανέμει την πίστωση {large} στις σχολικές επιτροπές ανάλογα "
                "με τον αριθμό των μαθητών κάθε σχολείου.",
            ),
            (
                "Συντήρηση και θέρμανση των σχολικών κτιρίων",
                0,
                0,
                "Εγκρίνει την προμήθεια πετρελαίου θέρμανσης και τις εργασίες "
                "συντήρησης με δαπάνη {amount}.",
            ),
            ("Περίφραξη του αύλειου χώρου του 2ου Νηπιαγωγείου", 0, 0, None),
            (
                "Μεταφορά μαθητών από τους απομακρυσμένους οικισμούς",
                0,
                0,
                "Εγκρίνει τη μεταφορά των μαθητών με μισθωμένα λεωφορεία και "
                "διαθέτει πίστωση {amount}.",
            ),
        ),
        (
            "Ο Διευθυντής του {school} με έγγραφό του ανέφερε ότι η στέγη του "
            "κτιρίου παρουσιάζει σοβαρές διαρροές και ότι δύο αίθουσες "
            "διδασκαλίας δεν μπορούν να χρησιμοποιηθούν.",
            "Στο κτίριο του {school} φοιτούν {count} μαθητές, που διδάσκονται "
            "σε δύο βάρδιες επειδή οι αίθουσες δεν επαρκούν.",
            "Το οικόπεδο στη θέση {place} έχει εμβαδόν {meters} τετραγωνικά "
            "μέτρα και κρίνεται κατάλληλο για την ανέγερση σχολικού κτιρίου.",
            "Για τη θέρμανση των σχολείων κατά τον χειμώνα απαιτείται η "
            "προμήθεια πετρελαίου θέρμανσης αξίας {amount}.",
            "Ο Σύλλογος Γονέων και Κηδεμόνων ζήτησε την περίφραξη του αύλειου "
            "χώρου για την ασφάλεια των παιδιών.",
        ),
        (
            "Εγκρίνει την εκτέλεση των εργασιών με δαπάνη {amount}, σε βάρος "
            "του {code}.",
        ),
    ),
    "cemeteries": (
        (
            (
                "Επέκταση του δημοτικού κοιμητηρίου",
                0,
                0,
                "Εγκρίνει την επέκταση του κοιμητηρίου και την αγορά του όμορου "
                "αγροκτήματος αντί {large}.",
            ),
            (
                "Κανονισμός λειτουργίας των δημοτικών κοιμητηρίων",
                0,
                0,
                "Εγκρίνει τον κανονισμό λειτουργίας των κοιμητηρίων, όπως "
                "επισυνάπτεται στην απόφαση αυτή.",
            ),
            (
                "Αναπροσαρμογή των τελών ταφής και εκταφής",
                0,
                0,
                "Καθορίζει το τέλος ταφής σε {small} και το τέλος εκταφής σε {small}.",
            ),
            ("Κατασκευή οστεοφυλακίου στο κοιμητήριο του Αγίου Αθανασίου", 0, 0, WORKS),
            (
                "Παραχώρηση οικογενειακών τάφων",
                0,
                0,
                "Καθορίζει το τέλος παραχώρησης οικογενειακού τάφου σε {small}.",
            ),
        ),
        (
            "Το δημοτικό κοιμητήριο έχει σχεδόν πληρωθεί και απομένουν μόλις "
            "{count} θέσεις για νέους τάφους.",
            "Η επέκταση θα γίνει στο όμορο αγρόκτημα εμβαδού {meters} "
            "τετραγωνικών μέτρων, το οποίο προτείνεται να αγοραστεί.",
            "Ο κανονισμός ορίζει τον χρόνο της ταφής σε τρία έτη, μετά τα "
            "οποία γίνεται η εκταφή και η φύλαξη των οστών στο οστεοφυλάκιο.",
            "Ο {person} ζήτησε την παραχώρηση οικογενειακού τάφου στο νέο "
            "τμήμα του κοιμητηρίου.",
        ),
        (WORKS,),
    ),
    "roads": (
        (
            (
                "Ασφαλτόστρωση της οδού Ερμού",
                0,
                0,
                "Εγκρίνει την ασφαλτόστρωση της οδού Ερμού με δαπάνη {large}.",
            ),
            (
                "Διάνοιξη της οδού Κολοκοτρώνη",
                0,
                0,
                "Εγκρίνει τη διάνοιξη της οδού Κολοκοτρώνη και την αποζημίωση "
                "των ιδιοκτητών των ρυμοτομούμενων τμημάτων.",
            ),
            ("Κατασκευή πεζοδρομίων στην κεντρική πλατεία", 0, 0, None),
            ("Συντήρηση του αγροτικού οδικού δικτύου", 0, 0, None),
            (
                "Ονοματοθεσία οδών και αρίθμηση οικοδομών",
                0,
                0,
                "Ονομάζει την ανώνυμη οδό της συνοικίας {area} «οδό {street}» "
                "και εγκρίνει την αρίθμηση των οικοδομών.",
            ),
            (
                "Τροποποίηση του ρυμοτομικού σχεδίου της συνοικίας Προσφυγικών",
                0,
                0,
                "Γνωμοδοτεί θετικά για την τροποποίηση του ρυμοτομικού σχεδίου "
                "σύμφωνα με το διάγραμμα της Τεχνικής Υπηρεσίας.",
            ),
            ("Κατασκευή γέφυρας στον χείμαρρο του Αγίου Νικολάου", 0, 0, None),
            (
                "Ρύθμιση της κυκλοφορίας και της στάθμευσης στο κέντρο",
                1970,
                0,
                "Εγκρίνει τη μελέτη κυκλοφορίας και ορίζει μονόδρομο την οδό {street}.",
            ),
            (
                "Πεζοδρόμηση τμήματος της οδού Αθηνάς",
                1985,
                0,
                "Εγκρίνει την πεζοδρόμηση της οδού Αθηνάς από την οδό {street} "
                "έως την κεντρική πλατεία.",
            ),
        ),
        (
            "Η οδός {street} είναι χωμάτινη σε μήκος {meters} μέτρων και κατά "
            "τους χειμερινούς μήνες γίνεται αδιάβατη από τη λάσπη.",
            "Η ασφαλτόστρωση θα γίνει με αυτεπιστασία, με τα μηχανήματα του "
            "Δήμου και με προμήθεια ασφάλτου αξίας {amount}.",
            "Για τη διάνοιξη της οδού απαιτείται η ρυμοτόμηση τμημάτων από δύο "
            "ιδιοκτησίες, οι κύριοι των οποίων θα αποζημιωθούν.",
            "Η γέφυρα στον χείμαρρο παρασύρθηκε από τις πλημμύρες και οι "
            "κάτοικοι του οικισμού {place} αναγκάζονται να κάνουν μεγάλη "
            "παράκαμψη.",
            "Η Επιτροπή Ονοματοθεσίας προτείνει να δοθεί στην ανώνυμη οδό "
            "της συνοικίας {area} το όνομα «{street}».",
            "Η στάθμευση αυτοκινήτων και στις δύο πλευρές της οδού {street} "
            "δυσκολεύει την κυκλοφορία, ιδίως τις ώρες λειτουργίας της αγοράς.",
        ),
        (WORKS,),
    ),
    "fees": (
        (
            (
                "Καθορισμός των τελών καθαριότητας και φωτισμού",
                0,
                0,
                "Καθορίζει τα τέλη καθαριότητας και φωτισμού για το έτος "
                "{next_year} σε {tiny} ανά τετραγωνικό μέτρο για τις κατοικίες "
                "και σε {tiny2} για τα καταστήματα.",
            ),
            (
                "Επιβολή τέλους χρήσης κοινόχρηστων χώρων",
                0,
                0,
                "Επιβάλλει τέλος χρήσης κοινόχρηστων χώρων {tiny2} ανά "
                "τετραγωνικό μέτρο τον μήνα.",
            ),
            (
                "Αναπροσαρμογή του τέλους ακίνητης περιουσίας",
                1993,
                0,
                "Ορίζει τον συντελεστή του τέλους ακίνητης περιουσίας σε 0,35 "
                "τοις χιλίοις.",
            ),
            (
                "Καθορισμός τελών της λαϊκής αγοράς",
                0,
                0,
                "Καθορίζει το τέλος της λαϊκής αγοράς σε {tiny} ανά μέτρο πάγκου "
                "για κάθε ημέρα λειτουργίας.",
            ),
            (
                "Επιβολή τέλους διαφήμισης",
                0,
                0,
                "Επιβάλλει τέλος διαφήμισης {tiny2} ανά τετραγωνικό μέτρο "
                "επιφάνειας της διαφήμισης.",
            ),
            (
                "Επιβολή δημοτικού φόρου ζύθου",
                0,
                1980,
                "Επιβάλλει δημοτικό φόρο ζύθου {tiny} ανά φιάλη.",
            ),
            (
                "Καθορισμός δικαιωμάτων του δημοτικού σφαγείου",
                0,
                1995,
                "Καθορίζει τα δικαιώματα σφαγής σε {tiny2} για κάθε μικρό ζώο "
                "και σε {small} για κάθε μεγάλο.",
            ),
        ),
        (
            "Τα τέλη καθαριότητας και φωτισμού υπολογίζονται με βάση την "
            "επιφάνεια των ακινήτων και εισπράττονται μέσω των λογαριασμών "
            "ηλεκτρικού ρεύματος.",
            "Προτείνεται το τέλος για τις κατοικίες να οριστεί σε {tiny} ανά "
            "τετραγωνικό μέτρο και για τα καταστήματα σε {tiny2}.",
            "Η χρήση των πεζοδρομίων από τα καταστήματα της οδού {street} "
            "γίνεται χωρίς άδεια και χωρίς την καταβολή τέλους.",
            "Τα έσοδα από τα δικαιώματα του σφαγείου δεν καλύπτουν ούτε τις "
            "δαπάνες μισθοδοσίας του προσωπικού του.",
            "Οι παραγωγοί της λαϊκής αγοράς θα καταβάλλουν τέλος {tiny} ανά "
            "μέτρο πάγκου για κάθε ημέρα λειτουργίας.",
        ),
        (),
    ),
    "staff": (
        (
            (
                "Πρόσληψη εποχικού προσωπικού καθαριότητας",
                0,
                0,
                "Εγκρίνει την πρόσληψη {count2} εργατών καθαριότητας για το "
                "διάστημα από 1ης Ιουνίου έως 30 Σεπτεμβρίου.",
            ),
            (
                "Κατάρτιση του Οργανισμού Εσωτερικής Υπηρεσίας του Δήμου",
                0,
                0,
                "Ψηφίζει τον Οργανισμό Εσωτερικής Υπηρεσίας του Δήμου, όπως "
                "επισυνάπτεται στην απόφαση αυτή.",
            ),
            (
                "Πρόσληψη φύλακα του δημοτικού κήπου",
                0,
                0,
                "Εγκρίνει την πρόσληψη ενός φύλακα για τον δημοτικό κήπο με "
                "σύμβαση ενός έτους.",
            ),
            (
                "Πρόσληψη ωρομίσθιων γυμναστών για τα αθλητικά προγράμματα",
                1980,
                0,
                "Εγκρίνει την πρόσληψη {count2} ωρομίσθιων γυμναστών για την "
                "περίοδο από Οκτώβριο έως Ιούνιο.",
            ),
            (
                "Αποζημίωση υπερωριακής εργασίας του προσωπικού",
                0,
                0,
                "Εγκρίνει την αποζημίωση της υπερωριακής εργασίας του "
                "προσωπικού με δαπάνη {amount}.",
            ),
            (
                "Σύσταση θέσεων στον δημοτικό βρεφονηπιακό σταθμό",
                1975,
                0,
                "Εγκρίνει τη σύσταση {count2} θέσεων βρεφοκόμων και μίας θέσης "
                "μαγείρου στον βρεφονηπιακό σταθμό.",
            ),
            (
                "Ορισμός υπαλλήλων για την είσπραξη των δημοτικών εσόδων",
                0,
                0,
                "Ορίζει εισπράκτορες των δημοτικών εσόδων δύο υπαλλήλους της "
                "Οικονομικής Υπηρεσίας.",
            ),
        ),
        (
            "Κατά τους θερινούς μήνες ο όγκος των απορριμμάτων διπλασιάζεται "
            "και το μόνιμο προσωπικό καθαριότητας δεν επαρκεί.",
            "Προτείνεται η πρόσληψη {count2} εργατών με σύμβαση ορισμένου "
            "χρόνου διάρκειας τεσσάρων μηνών.",
            "Ο νέος Οργανισμός προβλέπει {count} θέσεις μόνιμου προσωπικού "
            "κατανεμημένες σε πέντε υπηρεσίες.",
            "Οι υπάλληλοι της Τεχνικής Υπηρεσίας εργάστηκαν υπερωριακά κατά "
            "τις πλημμύρες για την αποκατάσταση των ζημιών.",
            "Η μηνιαία δαπάνη μισθοδοσίας ανέρχεται σε {amount} και βαρύνει "
            "τον {code}.",
        ),
        (),
    ),
    "gifts": (
        (
            (
                "Αποδοχή δωρεάς οικοπέδου για την ανέγερση παιδικού σταθμού",
                0,
                0,
                "Αποδέχεται τη δωρεά του οικοπέδου και εκφράζει τις θερμές "
                "ευχαριστίες του Δήμου προς τον δωρητή.",
            ),
            (
                "Αποδοχή κληροδοτήματος υπέρ των απόρων του Δήμου",
                0,
                0,
                "Αποδέχεται το κληροδότημα και ορίζει ότι τα έσοδά του θα "
                "διατίθενται για τους απόρους του Δήμου.",
            ),
            (
                "Αποδοχή δωρεάς βιβλίων για τη δημοτική βιβλιοθήκη",
                0,
                0,
                "Αποδέχεται τη δωρεά των βιβλίων και εκφράζει τις ευχαριστίες "
                "του Δήμου προς τον δωρητή.",
            ),
            (
                "Έκφραση ευχαριστιών προς ευεργέτη του Δήμου",
                0,
                0,
                "Εκφράζει τις θερμές ευχαριστίες του Δήμου προς τον ευεργέτη "
                "και αποφασίζει να τοποθετηθεί αναμνηστική πλάκα στο Δημαρχείο.",
            ),
            (
                "Χορήγηση βοηθήματος σε πυρόπληκτες οικογένειες",
                0,
                0,
                "Χορηγεί έκτακτο βοήθημα {small} σε κάθε πληγείσα οικογένεια.",
            ),
            (
                "Οικονομική ενίσχυση του Συλλόγου Γονέων και Κηδεμόνων",
                0,
                0,
                "Χορηγεί στον Σύλλογο Γονέων και Κηδεμόνων οικονομική ενίσχυση "
                "{small}.",
            ),
        ),
        (
            "Ο {person}, ομογενής από την Αμερική, δώρισε στον Δήμο οικόπεδο "
            "εμβαδού {meters} τετραγωνικών μέτρων στην οδό {street}.",
            "Με τη διαθήκη της η αποβιώσασα {lady} άφησε στον Δήμο ποσό "
            "{large} για τη συντήρηση των απόρων οικογενειών της πόλης.",
            "Ο {person}, συνταξιούχος εκπαιδευτικός, δώρισε στη δημοτική "
            "βιβλιοθήκη {count} τόμους βιβλίων από την προσωπική του συλλογή.",
            "Από την πυρκαγιά στη συνοικία {area} κάηκαν ολοσχερώς {count2} "
            "σπίτια και οι οικογένειες έμειναν χωρίς στέγη.",
            "Ο δωρητής έθεσε ως όρο το κτίριο να φέρει το όνομα των γονέων του.",
        ),
        (),
    ),
    "property": (
        (
            (
                "Αγορά οικοπέδου για τη δημιουργία χώρου στάθμευσης",
                1965,
                0,
                "Εγκρίνει την αγορά του οικοπέδου αντί τιμήματος {large}.",
            ),
            (
                "Απαλλοτρίωση ακινήτου για τη διάνοιξη πλατείας",
                0,
                0,
                "Ζητεί την κήρυξη της απαλλοτρίωσης του ακινήτου υπέρ του Δήμου "
                "για τη διάνοιξη της πλατείας.",
            ),
            (
                "Ανταλλαγή δημοτικού ακινήτου με ιδιωτικό",
                0,
                0,
                "Εγκρίνει την ανταλλαγή των ακινήτων σύμφωνα με την έκθεση της "
                "Επιτροπής Εκτίμησης.",
            ),
            (
                "Εκποίηση δημοτικού οικοπέδου με δημοπρασία",
                0,
                0,
                "Εγκρίνει την εκποίηση του οικοπέδου με φανερή πλειοδοτική "
                "δημοπρασία, με τιμή εκκίνησης {large}.",
            ),
            (
                "Αγορά ακινήτου για την ανέγερση νέου Δημαρχείου",
                0,
                0,
                "Εγκρίνει την αγορά του ακινήτου αντί τιμήματος {large}.",
            ),
            (
                "Διεκδίκηση δημοτικής έκτασης στη θέση Καστράκι",
                0,
                0,
                "Αναθέτει στον δικηγόρο του Δήμου την άσκηση των ένδικων μέσων "
                "για την προστασία της δημοτικής έκτασης.",
            ),
        ),
        (
            "Το οικόπεδο βρίσκεται στη γωνία των οδών {street} και {street2} "
            "και έχει εμβαδόν {meters} τετραγωνικά μέτρα.",
            "Η Επιτροπή Εκτίμησης εκτίμησε την αξία του ακινήτου σε {large}, "
            "ποσό που θεωρείται εύλογο για την περιοχή.",
            "Ο ιδιοκτήτης {person} δήλωσε ότι δέχεται να πωλήσει το ακίνητο "
            "στην τιμή που όρισε η Επιτροπή Εκτίμησης.",
            "Η δημοτική έκταση στη θέση {place} καταλαμβάνεται αυθαίρετα από "
            "ιδιώτες, που έχουν κατασκευάσει περιφράξεις και αποθήκες.",
        ),
        (),
    ),
    "culture": (
        (
            ("Διοργάνωση των πολιτιστικών εκδηλώσεων του καλοκαιριού", 0, 0, None),
            ("Εορτασμός της εθνικής επετείου της 28ης Οκτωβρίου", 0, 0, None),
            (
                "Ίδρυση δημοτικής φιλαρμονικής",
                0,
                0,
                "Εγκρίνει την ίδρυση της δημοτικής φιλαρμονικής και την αγορά "
                "μουσικών οργάνων αξίας {amount}.",
            ),
            (
                "Κατασκευή δημοτικού γηπέδου ποδοσφαίρου",
                0,
                0,
                "Εγκρίνει την κατασκευή του γηπέδου με δαπάνη {large}.",
            ),
            (
                "Ίδρυση δημοτικής βιβλιοθήκης",
                0,
                0,
                "Εγκρίνει την ίδρυση και τον κανονισμό λειτουργίας της δημοτικής "
                "βιβλιοθήκης.",
            ),
            (
                "Αδελφοποίηση του Δήμου με πόλη της Κύπρου",
                1975,
                0,
                "Εγκρίνει την αδελφοποίηση και ορίζει αντιπροσωπεία του Δήμου "
                "για την υπογραφή του πρωτοκόλλου.",
            ),
            (
                "Ανέγερση μνημείου των πεσόντων",
                0,
                0,
                "Εγκρίνει την ανέγερση του μνημείου με δαπάνη {amount}.",
            ),
            ("Διοργάνωση του καρναβαλιού", 0, 0, None),
            (
                "Λειτουργία του δημοτικού κινηματογράφου",
                0,
                1990,
                "Εγκρίνει την εκμίσθωση της λειτουργίας του δημοτικού "
                "κινηματογράφου για τρία έτη.",
            ),
        ),
        (
            "Το πρόγραμμα των εκδηλώσεων περιλαμβάνει συναυλίες της "
            "φιλαρμονικής, θεατρικές παραστάσεις και έκθεση ζωγραφικής στο "
            "Δημαρχείο.",
            "Η δαπάνη για τις εκδηλώσεις εκτιμάται σε {amount}, από την οποία "
            "μέρος θα καλυφθεί από χορηγίες τοπικών επιχειρήσεων.",
            "Το γήπεδο θα κατασκευαστεί στη θέση {place}, σε δημοτική έκταση "
            "{meters} στρεμμάτων, με χλοοτάπητα και κερκίδες.",
            "Το μνημείο θα τοποθετηθεί στην πλατεία της οδού {street} και θα "
            "φέρει τα ονόματα των πεσόντων δημοτών.",
            "Η δημοτική βιβλιοθήκη θα στεγαστεί στο ισόγειο του Δημαρχείου και "
            "θα λειτουργεί καθημερινά τις απογευματινές ώρες.",
        ),
        (
            "Εγκρίνει το πρόγραμμα των εκδηλώσεων και διαθέτει πίστωση "
            "{amount} από τον {code}.",
        ),
    ),
    "cleaning": (
        (
            (
                "Αγορά απορριμματοφόρου οχήματος",
                1960,
                0,
                "Εγκρίνει την αγορά απορριμματοφόρου οχήματος με δαπάνη {large}.",
            ),
            (
                "Προμήθεια κάδων απορριμμάτων",
                1975,
                0,
                "Εγκρίνει την προμήθεια {count} κάδων απορριμμάτων με δαπάνη {amount}.",
            ),
            (
                "Χώρος διάθεσης των απορριμμάτων του Δήμου",
                0,
                0,
                "Ορίζει ως χώρο προσωρινής διάθεσης των απορριμμάτων τη "
                "δημοτική έκταση στη θέση {place}.",
            ),
            (
                "Δενδροφύτευση των κοινόχρηστων χώρων",
                0,
                0,
                "Εγκρίνει το πρόγραμμα δενδροφύτευσης των κοινόχρηστων χώρων.",
            ),
            (
                "Πρόγραμμα ανακύκλωσης",
                1995,
                0,
                "Εγκρίνει τη συμμετοχή του Δήμου στο πρόγραμμα ανακύκλωσης και "
                "την τοποθέτηση μπλε κάδων σε όλες τις συνοικίες.",
            ),
            ("Καταπολέμηση των κουνουπιών με ψεκασμούς", 0, 0, None),
            ("Συντήρηση του δημοτικού κήπου και των πάρκων", 0, 0, None),
        ),
        (
            "Το απορριμματοφόρο όχημα του Δήμου έχει συμπληρώσει {count2} "
            "χρόνια λειτουργίας και οι βλάβες του είναι πλέον συνεχείς.",
            "Τα απορρίμματα της πόλης μεταφέρονται στη θέση {place}, όπου "
            "καίγονται, με αποτέλεσμα τις διαμαρτυρίες των περιοίκων.",
            "Η δενδροφύτευση θα γίνει με τη συνεργασία του Δασαρχείου, το "
            "οποίο θα διαθέσει δωρεάν {count} δενδρύλλια.",
            "Οι ψεκασμοί θα γίνουν από τον Μάιο έως τον Σεπτέμβριο στα ρέματα "
            "και στα έλη της περιοχής {place}.",
            "Στα πάρκα της συνοικίας {area} χρειάζεται αντικατάσταση των "
            "παγκακίων και επισκευή του αρδευτικού δικτύου.",
        ),
        (
            "Εγκρίνει το πρόγραμμα των εργασιών και διαθέτει πίστωση {amount} "
            "από τον {code}.",
        ),
    ),
    "welfare": (
        (
            (
                "Διανομή τροφίμων στους απόρους δημότες",
                0,
                1975,
                "Εγκρίνει τη διανομή τροφίμων στις οικογένειες του καταλόγου των "
                "απόρων με δαπάνη {amount}.",
            ),
            (
                "Λειτουργία του δημοτικού βρεφονηπιακού σταθμού",
                1970,
                0,
                "Εγκρίνει τον κανονισμό λειτουργίας του βρεφονηπιακού σταθμού "
                "και ορίζει τη μηνιαία συμμετοχή των γονέων σε {small}.",
            ),
            (
                "Ίδρυση Κέντρου Ανοιχτής Προστασίας Ηλικιωμένων",
                1982,
                0,
                "Εγκρίνει την ίδρυση του Κέντρου Ανοιχτής Προστασίας "
                "Ηλικιωμένων και διαθέτει πίστωση {amount}.",
            ),
            (
                "Πρόγραμμα «Βοήθεια στο Σπίτι»",
                1998,
                0,
                "Εγκρίνει τη συμμετοχή του Δήμου στο πρόγραμμα και την πρόσληψη "
                "του αναγκαίου προσωπικού.",
            ),
            (
                "Λειτουργία του δημοτικού ιατρείου",
                0,
                0,
                "Εγκρίνει τη συνέχιση της λειτουργίας του δημοτικού ιατρείου και "
                "την προμήθεια φαρμάκων αξίας {amount}.",
            ),
            (
                "Κατασκηνώσεις για τα παιδιά των δημοτών",
                0,
                0,
                "Εγκρίνει τη φιλοξενία {count} παιδιών σε κατασκηνώσεις με "
                "δαπάνη {amount}.",
            ),
        ),
        (
            "Στον κατάλογο των απόρων του Δήμου είναι εγγεγραμμένες {count} "
            "οικογένειες, οι οποίες θα λάβουν δέμα τροφίμων τις γιορτές.",
            "Ο βρεφονηπιακός σταθμός φιλοξενεί {count} παιδιά εργαζόμενων "
            "μητέρων και λειτουργεί από τις 7 το πρωί έως τις 4 το απόγευμα.",
            (
                "Το Κέντρο θα στεγαστεί σε μισθωμένο ακίνητο της οδού {street} "
                "και θα απασχολεί κοινωνική λειτουργό, νοσηλεύτρια και "
                "φυσικοθεραπευτή.",
                1982,
            ),
            "Ιατρός του δημοτικού ιατρείου είναι ο {person}, ο οποίος εξετάζει "
            "δωρεάν τους απόρους δημότες δύο φορές την εβδομάδα.",
        ),
        (),
    ),
    "administration": (
        (
            (
                "Εκλογή του Προεδρείου του Δημοτικού Συμβουλίου",
                0,
                0,
                "Πρόεδρος του Δημοτικού Συμβουλίου εκλέγεται ο σύμβουλος {president}.",
            ),
            (
                "Ορισμός εκπροσώπων του Δήμου στη Δημοτική Επιχείρηση Ύδρευσης",
                1980,
                0,
                "Ορίζει εκπροσώπους του Δήμου στο Διοικητικό Συμβούλιο της "
                "Επιχείρησης τους συμβούλους που πρότεινε ο Δήμαρχος.",
            ),
            (
                "Σύσταση κοινωφελούς δημοτικής επιχείρησης",
                1980,
                0,
                "Εγκρίνει τη σύσταση της επιχείρησης και το καταστατικό της.",
            ),
            (
                "Γνωμοδότηση για την ίδρυση πρατηρίου υγρών καυσίμων",
                1955,
                0,
                "Γνωμοδοτεί αρνητικά για την ίδρυση του πρατηρίου, λόγω της "
                "μικρής απόστασης από το σχολείο.",
            ),
            (
                "Ορισμός δικηγόρου για την υπεράσπιση του Δήμου",
                0,
                0,
                "Ορίζει δικηγόρο του Δήμου για την υπόθεση αυτή τον "
                "{person_acc}, σε όλους τους βαθμούς δικαιοδοσίας.",
            ),
            (
                "Συμβιβασμός σε δικαστική διαφορά του Δήμου",
                0,
                0,
                "Εγκρίνει τον εξώδικο συμβιβασμό με την καταβολή ποσού {amount}.",
            ),
            (
                "Ψήφισμα για την ίδρυση Τεχνολογικού Εκπαιδευτικού Ιδρύματος",
                1983,
                0,
                "Εγκρίνει ψήφισμα με το οποίο ζητείται από το Υπουργείο Παιδείας "
                "η ίδρυση τμήματος του Ιδρύματος στην πόλη.",
            ),
            (
                "Μετακίνηση του Δημάρχου εκτός έδρας",
                0,
                0,
                "Εγκρίνει τη μετακίνηση του Δημάρχου στην Αθήνα και την "
                "καταβολή των εξόδων κίνησης.",
            ),
        ),
        (
            "Ο {person} ζήτησε άδεια για την ίδρυση πρατηρίου υγρών καυσίμων "
            "στην οδό {street}, σε απόσταση {meters} μέτρων από το κτίριο του "
            "{school}.",
            "Η επιχείρηση {company} άσκησε αγωγή κατά του Δήμου ζητώντας "
            "{large} για εργασίες που, όπως ισχυρίζεται, δεν της πληρώθηκαν.",
            "Ο δικηγόρος του Δήμου γνωμοδότησε ότι ο συμβιβασμός είναι "
            "συμφέρων, γιατί η έκβαση της δίκης είναι αβέβαιη.",
            "Ο Δήμαρχος θα μεταβεί στην Αθήνα για να συναντηθεί με τον "
            "Υπουργό {ministry} σχετικά με τη χρηματοδότηση των έργων.",
            (
                "Η ίδρυση του Ιδρύματος στην πόλη θα συμβάλει στην ανάπτυξη της "
                "περιοχής και θα συγκρατήσει τους νέους στον τόπο τους.",
                1983,
            ),
        ),
        (),
    ),
    "supplies": (
        (
            ("Προμήθεια καυσίμων για τα οχήματα του Δήμου", 0, 0, None),
            (
                "Αγορά ηλεκτρονικών υπολογιστών για τις υπηρεσίες του Δήμου",
                1988,
                0,
                None,
            ),
            ("Προμήθεια γραφικής ύλης και εντύπων", 0, 0, None),
            ("Αγορά φορτηγού αυτοκινήτου", 0, 0, None),
            (
                "Επισκευή των οχημάτων του Δήμου",
                0,
                0,
                "Εγκρίνει την επισκευή των οχημάτων με δαπάνη {amount}.",
            ),
        ),
        (
            "Ο διαγωνισμός για την προμήθεια διενεργήθηκε στις {pdate} και "
            "έλαβαν μέρος {count2} προμηθευτές.",
            "Χαμηλότερη προσφορά υπέβαλε η επιχείρηση {company}, με συνολική "
            "τιμή {amount}.",
            (
                "Οι υπολογιστές θα χρησιμοποιηθούν για τη μηχανογράφηση των "
                "δημοτικών τελών και του μητρώου αρρένων.",
                1988,
            ),
            "Τα οχήματα του Δήμου καταναλώνουν κάθε μήνα περίπου {count}0 λίτρα "
            "καυσίμων.",
        ),
        (
            "Εγκρίνει το πρακτικό του διαγωνισμού και κατακυρώνει την "
            "προμήθεια στην επιχείρηση {company}.",
        ),
    ),
}

# The rapporteur's opening and the discussion: said of every subject.
GENERIC = (
    "Η Οικονομική Υπηρεσία βεβαίωσε ότι υπάρχει σχετική πίστωση {amount} "
    "στον {code} του προϋπολογισμού του έτους {year}.",
    "{Member} ζήτησε να ενημερωθεί το Συμβούλιο για το "
    "χρονοδιάγραμμα των εργασιών και για τον τρόπο ανάθεσής τους.",
    "Ο Δήμαρχος κ. {mayor} απάντησε ότι η αρμόδια υπηρεσία έχει ήδη "
    "συντάξει τη σχετική μελέτη και ότι το θέμα είναι επείγον.",
    "{Member} δήλωσε ότι η παράταξη της μειοψηφίας συμφωνεί επί της αρχής, "
    "διαφωνεί όμως με το ύψος της δαπάνης.",
    "Ακολούθησε διαλογική συζήτηση, κατά την οποία διατυπώθηκαν διάφορες "
    "απόψεις για τον καλύτερο τρόπο αντιμετώπισης του ζητήματος.",
    "Ο Πρόεδρος υπενθύμισε ότι το ζήτημα είχε συζητηθεί και με την αριθ. "
    "{prev}/{year} απόφαση του Συμβουλίου, χωρίς να ληφθεί οριστική "
    "απόφαση.",
    "Κάτοικοι της οδού {street} υπέβαλαν υπόμνημα με {count} υπογραφές, το "
    "οποίο διαβάστηκε στο Συμβούλιο.",
    "Ο προϊστάμενος της Τεχνικής Υπηρεσίας κ. {person} ανέπτυξε τα τεχνικά "
    "στοιχεία και απάντησε στις ερωτήσεις των συμβούλων.",
    "Η δαπάνη θα καλυφθεί από ίδιους πόρους του Δήμου και από επιχορήγηση "
    "του Υπουργείου {ministry} ύψους {amount}.",
    "{Member} πρότεινε να αναβληθεί η συζήτηση του θέματος, "
    "η πρόταση όμως δεν έγινε δεκτή.",
    "Σύμφωνα με την αριθ. {proto}/{pdate} εισήγηση της αρμόδιας υπηρεσίας, "
    "η πρόταση είναι σύννομη και συμφέρουσα για τον Δήμο.",
    "{Member} ρώτησε αν έχει ζητηθεί η γνώμη των κατοίκων "
    "της συνοικίας {area} και αν έχουν εξεταστεί άλλες λύσεις.",
    "Ο Πρόεδρος κάλεσε το Συμβούλιο να αποφασίσει, αφού έλαβε υπόψη και το "
    "αριθ. {proto}/{pdate} έγγραφο της Νομαρχίας.",
    "Η επιτροπή που ορίστηκε με προηγούμενη απόφαση επισκέφθηκε τον χώρο "
    "στη θέση {place} και συνέταξε σχετική έκθεση.",
    "{Member} τόνισε ότι η πόλη έχει ανάγκη από το έργο αυτό "
    "εδώ και πολλά χρόνια και ότι κάθε καθυστέρηση βλάπτει τους δημότες.",
    "Ο Δήμαρχος πρόσθεσε ότι έχει υποβληθεί αίτημα χρηματοδότησης στο "
    "Υπουργείο {ministry} και αναμένεται η απάντησή του.",
)

# The same roles in katharevousa (before 1976), written monotonic and turned
# polytonic; words the rules would miss are written polytonic here.
KATHAREVOUSA = (
    "Ἡ Οικονομική Υπηρεσία του Δήμου εβεβαίωσεν ότι υφίσταται σχετική "
    "πίστωσις {amount} εις το {code} του προϋπολογισμού του τρέχοντος "
    "έτους {year}.",
    "{Member} ηρώτησε περί του χρόνου αποπερατώσεως των "
    "εργασιών και περί του τρόπου αναθέσεως αυτών.",
    "Ο Δήμαρχος κ. {mayor} απήντησεν ότι η αρμοδία υπηρεσία έχει ήδη "
    "συντάξει την σχετικήν μελέτην και ότι το ζήτημα είναι κατεπείγον.",
    "Μετά διαλογικήν συζήτησιν, καθ' ἣν εξετέθησαν αι απόψεις των κ.κ. "
    "συμβούλων, ο Πρόεδρος εκάλεσε το Συμβούλιον όπως αποφασίσῃ.",
    "Κάτοικοι της οδού {street} υπέβαλον αναφοράν φέρουσαν {count} "
    "υπογραφάς, η οποία ανεγνώσθη ενώπιον του Συμβουλίου.",
    "Η δαπάνη θα καλυφθῇ εκ των ιδίων πόρων του Δήμου και διά "
    "επιχορηγήσεως του Υπουργείου {ministry} εκ {amount}.",
    "{Member} επρότεινε την αναβολήν της συζητήσεως του "
    "θέματος, η πρότασις όμως δεν εγένετο δεκτή.",
    "Κατά την υπ' αριθ. {proto}/{pdate} εισήγησιν της αρμοδίας υπηρεσίας, "
    "η πρότασις είναι νόμιμος και συμφέρουσα διά τον Δήμον.",
    "Ο Πρόεδρος υπενθύμισεν ότι το ζήτημα ετέθη και κατά προηγουμένην "
    "συνεδρίασιν, διά της υπ' αριθ. {prev}/{year} αποφάσεως, χωρίς να "
    "ληφθῇ οριστική απόφασις.",
    "Ο προϊστάμενος της Τεχνικής Υπηρεσίας κ. {person} ανέπτυξε τα τεχνικά "
    "στοιχεία και απήντησεν εις τας ερωτήσεις των συμβούλων.",
    "Η επιτροπή η ορισθείσα διά προηγουμένης αποφάσεως μετέβη επί τόπου εις "
    "την θέσιν {place} και συνέταξε σχετικήν έκθεσιν.",
    "{Member} ετόνισεν ότι η πόλις έχει ανάγκην του έργου "
    "τούτου από πολλών ετών και ότι πάσα καθυστέρησις βλάπτει τους δημότας.",
)


def _subject_table():
    table = []
    for category, (items, _body, rulings) in CATEGORIES.items():
        for text, first, last, ruling in items:
            if ruling is None and not rulings:
                raise ValueError(f"no ruling for {text!r}")
            table.append(
                (category, text, first or FIRST_YEAR, last or LAST_YEAR, ruling)
            )
    return tuple(table)


# (category, subject, first year, last year, own ruling or None)
SUBJECT_TABLE = _subject_table()
subjects = tuple(row[1] for row in SUBJECT_TABLE)


def subjects_of(year):
    """The subjects a council of ``year`` could discuss (no recycling in 1955)."""
    return [row for row in SUBJECT_TABLE if row[2] <= year <= row[3]]


# ---------------------------------------------------------------------------
# Decisions
# ---------------------------------------------------------------------------


def spelling(year):
    """«katharevousa», «demotic-polytonic» or «monotonic»."""
    if year < DEMOTIC_FROM:
        return "katharevousa"
    if year < MONOTONIC_FROM:
        return "demotic-polytonic"
    return "monotonic"


def is_polytonic(year):
    """Printed in the polytonic system (before 1982)."""
    return year < MONOTONIC_FROM


@lru_cache(maxsize=128)
def _streets(year):
    return tuple(name for name, since in STREETS if since is None or since <= year)


class _Slots(dict):
    """Fills the template slots, each one drawn when a sentence asks for it."""

    def __init__(self, rng, year, council_):
        super().__init__()
        self.rng = rng
        self.year = year
        self.council = council_

    def __missing__(self, key):
        rng, year = self.rng, self.year
        if key in {"street", "street2"}:
            return rng.choice(_streets(year))
        if key == "area":
            return rng.choice(AREAS)
        if key == "place":
            return rng.choice(PLACES)
        if key == "school":
            return rng.choice(SCHOOLS)
        if key == "person":
            return person(rng).name
        if key == "person_acc":
            return person(rng).accusative
        if key == "lady":
            return person(rng, 1.0).name
        if key == "Member":
            member = rng.choice(self.council.members[1:])
            article = "Η" if member.female else "Ο"
            return f"{article} σύμβουλος κ. {member.name}"
        if key == "mayor":
            return self.council.mayor.name
        if key == "president":
            return self.council.president.name
        if key == "company":
            who = person(rng, 0.0)
            return f"{rng.choice(TRADES)} {who.first[0]}. {who.last} Ο.Ε."
        if key == "tiny":
            return amount(rng, year, 0.05, 0.6)
        if key == "tiny2":
            return amount(rng, year, 0.5, 2.5)
        if key == "small":
            return amount(rng, year, 50, 1500)
        if key == "amount":
            return amount(rng, year, 1500, 60000)
        if key == "large":
            return amount(rng, year, 40000, 900000)
        if key == "huge":
            return amount(rng, year, 2_000_000, 15_000_000)
        if key == "code":
            return budget_code(rng, year)
        if key == "count":
            return str(rng.randint(12, 480))
        if key == "count2":
            return str(rng.randint(2, 9))
        if key == "meters":
            return str(rng.randint(8, 240) * 5)
        if key == "year":
            return str(year)
        if key == "next_year":
            return str(year + 1)
        if key == "prev_year":
            return str(year - rng.randint(3, 12))
        if key == "prev":
            return str(rng.randint(1, 250))
        if key == "ministry":
            return rng.choice(MINISTRIES)
        if key == "proto":
            return str(rng.randint(100, 9999))
        if key == "pdate":
            day = date(year, 1, 1) + timedelta(days=rng.randint(0, 360))
            return short_date(day)
        raise KeyError(key)


def _fill(rng, template, slots, convert=False):
    """The template with its slots drawn (each time anew: two streets differ).

    With ``convert`` the sentence comes out polytonic: the template is turned
    once (cached) and only the drawn values each time, which keeps the
    generator fast on the half of the corpus printed before 1982.
    """
    if not convert:
        return template.format_map(slots)
    out = []
    for literal, field, followed in _template_parts(template):
        out.append(literal)
        if field is not None:
            out.append(_polytonic_value(str(slots[field]), followed))
    return "".join(out)


_FORMATTER = string.Formatter()
# A consonant-only stand-in for what comes after a piece: it lets the last
# word of the piece see that another word follows (the grave) and is itself
# left as it is.
_NEXT_WORD = " β"


@lru_cache(maxsize=1024)
def _template_parts(template):
    """[(literal in polytonic, field or None, is the field followed by a word)]."""
    parsed = list(_FORMATTER.parse(template))
    parts = []
    for index, (literal, field, _spec, _conversion) in enumerate(parsed):
        after = parsed[index + 1][0] if index + 1 < len(parsed) else ""
        followed = bool(_FOLLOWED.match(after or ""))
        if field is not None and literal[-1:].isspace():
            text = polytonic(literal + _NEXT_WORD.strip())[:-1]
        else:
            text = polytonic(literal)
        parts.append((text, field, followed))
    return tuple(parts)


@lru_cache(maxsize=16384)
def _polytonic_value(value, followed):
    if followed:
        return polytonic(value + _NEXT_WORD)[: -len(_NEXT_WORD)]
    return polytonic(value)


def meeting_date_for(rng, number, year, per_year=200):
    """A meeting date of ``year`` that grows with the decision number."""
    start = date(year, 1, 8)
    span = 350
    day = min(span, int((int(number) - 1) * span / max(per_year, 1)))
    day = max(0, day - rng.randint(0, 6))
    return start + timedelta(days=day)


PER_SESSION = 6  # decisions taken at one meeting


def session_date(seed, year, session, sessions):
    """The date of the ``session``-th meeting of ``sessions`` in ``year``.

    Meetings are spread over the year (from 8 January), each a few days
    off its even place but never before the one it follows.
    """
    spacing = 350 / max(sessions, 1)
    rng = random.Random(f"{seed}:{year}:session:{session}")  # noqa: S311
    day = int((session - 1) * spacing) + rng.randint(0, max(0, int(spacing) - 1))
    return date(year, 1, 8) + timedelta(days=min(day, 357))


def _header(
    rng, number, year, subject, meeting_date, session, council_, style, compact
):
    kath = style == "katharevousa"
    present_count = council_.size - rng.randint(0, min(5, council_.size // 3))
    members = list(council_.members)
    absent = rng.sample(members[1:], council_.size - present_count)
    present = [m for m in members if m not in absent]
    invitation = meeting_date - timedelta(days=rng.randint(3, 6))
    code = code_law(year, kath)
    lines = []
    if year < 1974:
        lines.append("ΒΑΣΙΛΕΙΟΝ ΤΗΣ ΕΛΛΑΔΟΣ")
    else:
        lines.append("ΕΛΛΗΝΙΚΗ ΔΗΜΟΚΡΑΤΙΑ")
    if kath:
        lines += [
            "ΔΗΜΟΣ ΠΑΡΑΔΕΙΓΜΑΤΟΣ",
            "ΑΠΟΣΠΑΣΜΑ",
            f"ἐκ τοῦ πρακτικοῦ τῆς {ordinal_genitive(session, True)} τακτικῆς "
            "συνεδριάσεως τοῦ Δημοτικοῦ Συμβουλίου",
            f"Ἀριθμὸς Ἀποφάσεως {number}/{year}",
            f"Θέμα: {subject}",
            f"Ἐν {TOWN_DATIVE} καὶ ἐν τῷ Δημοτικῷ Καταστήματι σήμερον "
            f"{meeting_date_phrase(rng, meeting_date, True)}, συνῆλθεν εἰς "
            "τακτικὴν συνεδρίασιν τὸ Δημοτικὸν Συμβούλιον, κατόπιν τῆς ὑπ' "
            f"ἀριθ. {rng.randint(100, 4000)}/{short_date(invitation)} "
            "προσκλήσεως τοῦ Προέδρου αὐτοῦ, ἐπιδοθείσης νομίμως εἰς ἕκαστον "
            f"τῶν συμβούλων συμφώνως πρὸς τὰς διατάξεις {code}.",
            f"Πρόεδρος: {council_.president.name}",
        ]
        if not compact:
            lines.append("Παρόντες: " + ", ".join(m.name for m in present) + ".")
        if absent:
            lines.append(
                "Ἀπόντες: "
                + ", ".join(m.name for m in absent)
                + ", καίτοι νομίμως προσκληθέντες."
            )
        lines.append(
            "Εὑρεθείσης νομίμου ἀπαρτίας, ἐπειδὴ ἐπὶ συνόλου "
            f"{council_.size} μελῶν παρίσταντο {present_count}, ὁ Πρόεδρος "
            "κηρύσσει τὴν ἔναρξιν τῆς συνεδριάσεως. Χρέη γραμματέως ἐκτελεῖ "
            f"{'ἡ' if council_.secretary.female else 'ὁ'} ὑπάλληλος τοῦ Δήμου "
            f"{council_.secretary.name}."
        )
        lines.append(
            "Ὁ Πρόεδρος εἰσηγούμενος τὸ θέμα τῆς ἡμερησίας διατάξεως ἐξέθεσε τὰ κάτωθι:"
        )
    else:
        lines += [
            "ΔΗΜΟΣ ΠΑΡΑΔΕΙΓΜΑΤΟΣ",
            "ΑΠΟΣΠΑΣΜΑ",
            f"από το πρακτικό της {ordinal_genitive(session)} τακτικής "
            "συνεδρίασης του Δημοτικού Συμβουλίου",
            f"Αριθμός Απόφασης {number}/{year}",
            f"Θέμα: {subject}",
            f"Στο {TOWN} και στο Δημοτικό Κατάστημα σήμερα "
            f"{meeting_date_phrase(rng, meeting_date)}, συνήλθε σε τακτική "
            "συνεδρίαση το Δημοτικό Συμβούλιο, ύστερα από την αριθ. "
            f"{rng.randint(100, 9000)}/{short_date(invitation)} πρόσκληση του "
            "Προέδρου του, που επιδόθηκε νόμιμα σε κάθε σύμβουλο χωριστά "
            f"σύμφωνα με τις διατάξεις {code}.",
            f"Πρόεδρος: {council_.president.name}",
        ]
        if not compact:
            lines.append("Παρόντες: " + ", ".join(m.name for m in present) + ".")
        if absent:
            lines.append(
                "Απόντες: "
                + ", ".join(m.name for m in absent)
                + ", αν και κλήθηκαν νόμιμα."
            )
        lines.append(
            "Διαπιστώθηκε ότι υπάρχει νόμιμη απαρτία, αφού σε σύνολο "
            f"{council_.size} μελών ήταν παρόντα {present_count}. Στη "
            f"συνεδρίαση παρέστη και ο Δήμαρχος κ. {council_.mayor.name}. "
            f"Χρέη γραμματέα εκτέλεσε {'η' if council_.secretary.female else 'ο'} "
            f"υπάλληλος του Δήμου {council_.secretary.name}."
        )
        lines.append(
            "Ο Πρόεδρος, εισηγούμενος το θέμα της ημερήσιας διάταξης, είπε τα εξής:"
        )
    return lines


def _closing(rng, number, year, meeting_date, council_, ruling, style, slots):
    kath = style == "katharevousa"
    unanimous = rng.random() < 0.65
    minority = rng.sample(council_.members[1:], rng.randint(1, 4))
    names = ", ".join(m.name for m in minority)
    ruling = _fill(rng, ruling, slots)
    issued = meeting_date + timedelta(days=rng.randint(1, 9))
    president = council_.president.name
    if kath:
        lines = [
            "Τὸ Δημοτικὸν Συμβούλιον, ἀκοῦσαν τὴν εἰσήγησιν τοῦ Προέδρου, "
            f"λαβὸν ὑπ' ὄψιν τὰς διατάξεις {code_law(year, True)} καὶ μετὰ "
            "διαλογικὴν συζήτησιν",
            "ΑΠΟΦΑΣΙΖΕΙ " + ("ὁμοφώνως" if unanimous else "κατὰ πλειοψηφίαν"),
            ruling,
        ]
        if not unanimous:
            if len(minority) == 1:
                article = "ἡ" if minority[0].female else "ὁ"
                lines.append(f"Ἐμειοψήφησεν {article} σύμβουλος {names}.")
            else:
                lines.append(f"Ἐμειοψήφησαν οἱ σύμβουλοι {names}.")
        lines += [
            f"Ἡ ἀπόφασις αὕτη ἔλαβεν αὔξοντα ἀριθμὸν {number}/{year}.",
            "Συνταχθὲν καὶ ἀναγνωσθὲν τὸ παρὸν ὑπογράφεται ὡς ἕπεται:",
            "Ὁ Πρόεδρος",
            "Ὁ Γραμματεύς",
            "Τὰ Μέλη",
            "Ἀκριβὲς ἀπόσπασμα",
            f"Ἐν {TOWN_DATIVE} τῇ {date_words(issued, True)}",
            "Ὁ Πρόεδρος τοῦ Δημοτικοῦ Συμβουλίου",
            president,
        ]
        return lines
    lines = [
        "Το Δημοτικό Συμβούλιο, αφού άκουσε την εισήγηση του Προέδρου, έλαβε "
        f"υπόψη τις διατάξεις {code_law(year, False)} και ύστερα από διαλογική "
        "συζήτηση",
        "ΑΠΟΦΑΣΙΖΕΙ " + ("ομόφωνα" if unanimous else "κατά πλειοψηφία"),
        ruling,
    ]
    if not unanimous and len(minority) == 1:
        she = minority[0].female
        lines.append(
            f"Μειοψήφησε {'η' if she else 'ο'} σύμβουλος {names}, "
            f"{'η οποία' if she else 'ο οποίος'} ψήφισε κατά της πρότασης."
        )
    elif not unanimous:
        lines.append(
            f"Μειοψήφησαν οι σύμβουλοι {names}, οι οποίοι ψήφισαν κατά της πρότασης."
        )
    lines += [
        f"Η απόφαση αυτή πήρε αύξοντα αριθμό {number}/{year}.",
        "Αφού συντάχθηκε και διαβάστηκε το πρακτικό αυτό, υπογράφεται ως εξής:",
        "Ο Πρόεδρος",
        "Ο Γραμματέας",
        "Τα Μέλη",
        "Ακριβές απόσπασμα",
        f"{TOWN}, {date_words(issued)}",
        "Ο Πρόεδρος του Δημοτικού Συμβουλίου",
        president,
    ]
    return lines


def _sentences(rng, year, category, style, slots):
    """Body sentences without end: the subject's own first, then the rest.

    In the spelling of the year (polytonic before 1982).
    """
    poly = is_polytonic(year)
    _items, body, _decide = CATEGORIES[category]
    own = [t for t in body if _in_year(t, year)]
    rng.shuffle(own)
    for template in own:
        yield _fill(rng, _text(template), slots, poly)
    generic = KATHAREVOUSA if style == "katharevousa" else GENERIC
    others = [
        template
        for other, (_i, other_body, _d) in CATEGORIES.items()
        if other != category
        for template in other_body
        if _in_year(template, year)
    ]
    # Drawn like cards, not with replacement: a long decision repeats a
    # sentence only after it has used the others.
    deck, wander = [], []
    while True:
        if rng.random() < 0.6:
            if not deck:
                deck = list(generic)
                rng.shuffle(deck)
            yield _fill(rng, deck.pop(), slots, poly)
        else:
            # Long decisions wander: a related matter raised in the debate.
            if not wander:
                wander = list(others)
                rng.shuffle(wander)
            yield _fill(rng, _text(wander.pop()), slots, poly)


def _in_year(template, year):
    """A sentence is a string, or (string, first year) for things not yet there."""
    return isinstance(template, str) or template[1] <= year


def _text(template):
    return template if isinstance(template, str) else template[0]


def _length(lines):
    return sum(len(line) + 1 for line in lines) - 1 if lines else 0


def _pack(rng, pages, header, closing, sentences, page_size=(PAGE_MIN, PAGE_MAX)):
    """Lines into ``pages`` pages of ``page_size`` (min, max) characters each.

    Page one opens with the header, the last closes with the vote and the
    signatures; the body's paragraphs of two to four sentences run on from
    page to page as in the bound minutes.
    """
    low, high = page_size
    span = high - low
    result = []
    pending = None
    for index in range(pages):
        last = index == pages - 1
        lines = list(header) if index == 0 else [f"- {index + 1} -"]
        reserve = _length(closing) + 1 if last else 0
        target = rng.randint(low + span // 5, high - span * 3 // 10)
        paragraph = []
        size = rng.randint(2, 4)
        current = _length(lines) + 1 + reserve
        while current < target:
            sentence = pending if pending is not None else next(sentences)
            pending = None
            if current + len(sentence) + 1 > high - 20:
                if current < low:
                    continue  # too long for what is left: draw another one
                pending = sentence
                break
            paragraph.append(sentence)
            current += len(sentence) + 1
            if len(paragraph) >= size:
                lines.append(" ".join(paragraph))
                paragraph = []
                size = rng.randint(2, 4)
        if paragraph:
            lines.append(" ".join(paragraph))
        if last:
            lines += closing
        result.append("\n".join(lines))
    return result


def page_count(rng):
    """How many pages a decision takes: most one to three, some up to eight."""
    return rng.choices(range(1, 9), weights=(26, 30, 18, 10, 6, 4, 3, 3))[0]


def decision(
    rng,
    number,
    year,
    pages=None,
    meeting_date=None,
    session=None,
    page_size=(PAGE_MIN, PAGE_MAX),
    subject=None,
    compact=False,
):
    """One decision: its metadata and the text of each of its pages.

    ``rng`` is a ``random.Random``; ``pages`` 1–8 (drawn when None);
    ``meeting_date`` and ``session`` (the meeting's ordinal in the year) are
    derived from the number when not given. ``page_size`` bounds the
    characters of a page: the default 1,500–2,500 is a typed page of the
    minutes; pages to be set on A4 by ``testpages.render_page`` need fewer
    (see :data:`RENDERED_PAGE`). Page one always holds the whole header and
    the last the whole closing, so a one-page decision may run longer;
    ``compact`` leaves out the list of councillors present (the extract
    still counts them and names the absent), which lets a one-page decision
    fit on a rendered A4 page. ``subject`` (one of :data:`subjects`) chooses
    the subject instead of drawing it.
    Returns ``{"number": "123",
    "year": 1987, "meeting_date": date, "session": 12, "subject": "…",
    "category": "water", "pages": ["…", …], "polytonic": bool, "spelling":
    "monotonic"}``. The subject is given as an archivist would type it
    (monotonic); the pages carry it in the spelling of the year.
    """
    if not FIRST_YEAR - 120 <= year <= LAST_YEAR + 100:
        raise ValueError(f"year out of range: {year}")
    pages = page_count(rng) if pages is None else int(pages)
    if not 1 <= pages <= 50:
        raise ValueError(f"pages out of range: {pages}")
    if subject is None:
        row = rng.choice(subjects_of(year))
    else:
        rows = [row for row in SUBJECT_TABLE if row[1] == subject]
        if not rows:
            raise ValueError(f"not one of the subjects: {subject!r}")
        row = rows[0]
    category, subject, _first, _last, ruling = row
    if ruling is None:
        ruling = rng.choice(CATEGORIES[category][2])
    if meeting_date is None:
        meeting_date = meeting_date_for(rng, number, year)
    if session is None:
        session = (max(1, int(number)) - 1) // PER_SESSION + 1
    style = spelling(year)
    convert = polytonic if is_polytonic(year) else (lambda text: text)
    council_ = council(year)
    slots = _Slots(rng, year, council_)
    shown_subject = convert(subject)
    header = [
        convert(line)
        for line in _header(
            rng,
            number,
            year,
            shown_subject,
            meeting_date,
            session,
            council_,
            style,
            compact,
        )
    ]
    closing = [
        convert(line)
        for line in _closing(
            rng, number, year, meeting_date, council_, ruling, style, slots
        )
    ]
    texts = _pack(
        rng,
        pages,
        header,
        closing,
        _sentences(rng, year, category, style, slots),
        page_size,
    )
    return {
        "number": str(number),
        "year": year,
        "meeting_date": meeting_date,
        "session": session,
        "subject": subject,
        "category": category,
        "pages": texts,
        "polytonic": is_polytonic(year),
        "spelling": style,
    }


def decision_text(rng, number, year, pages=1, page_size=(PAGE_MIN, PAGE_MAX)):
    """The text of a decision of ``pages`` pages, the pages joined by ``\\f``."""
    return "\f".join(
        decision(rng, number, year, pages=pages, page_size=page_size)["pages"]
    )


def generate(total_pages, seed=0, first_year=FIRST_YEAR, last_year=LAST_YEAR):
    """Decisions of 1–8 pages, ``total_pages`` pages in all, spread over the years.

    Yields the dicts of :func:`decision`, year by year, numbered from 1 in
    each year, about as many pages in every year, meeting dates growing with
    the numbers (six decisions a meeting). Each decision is drawn from its
    own ``random.Random(f"{seed}:{year}:{number}")``, so any one of them can
    be made again alone. The last decision is cut so that the pages add up
    to exactly ``total_pages``.
    """
    years = list(range(first_year, last_year + 1))
    mean_pages = 2.9
    made = 0
    for index, year in enumerate(years):
        budget = round(total_pages * (index + 1) / len(years)) - made
        sessions = -(-max(1, round(budget / mean_pages)) // PER_SESSION)
        number = 0
        while budget > 0:
            number += 1
            rng = random.Random(f"{seed}:{year}:{number}")  # noqa: S311
            pages = min(page_count(rng), budget)
            session = (number - 1) // PER_SESSION + 1
            day = session_date(seed, year, session, sessions)
            item = decision(rng, number, year, pages, meeting_date=day, session=session)
            budget -= pages
            made += pages
            yield item
