"""Catalog indexers of historical decisions (indexes: ``catalog.xml``).

A value the decision lacks is not indexed (the indexer raises
``AttributeError``), so «no year» never sorts or facets as a year.
``SearchableText`` goes through core's Greek lexicon
(:mod:`municipality.core.textindex`): the number, «number/year», the
subject and the text of every page are found in any spelling.
"""

from DateTime import DateTime
from datetime import date
from municipality.archive import api
from municipality.archive.content.decision import IHistoricalDecision
from plone.indexer import indexer

import re


# Words that say nothing about what a decision is about: Greek function
# words and the formulas every subject repeats. Written as people write
# them; folded like the subject's words before they are compared.
SUBJECT_STOP_WORDS = """
αυτός αυτή αυτό αυτοί αυτές αυτά αυτού αυτής αυτών αυτόν αυτήν
οποίος οποία οποίο οποίοι οποίες οποία οποίου οποίας οποίων οποίον οποίαν
όπως όπου όταν ότι οπότε επειδή καθώς μεταξύ μετά προς πάνω κάτω χωρίς
εντός εκτός μέχρι έως ενός μιας ένας έναν στον στην στου στης στους στις
στων τους τις τον την του της των από για και ένα μια κατά περί επί δια
διά υπέρ υπό αλλά όμως επίσης δηλαδή είναι έχει έχουν λοιπά λοιπών κλπ
σχετικά σχετική σχετικό σχετικές σχετικών σχετικού σχετικής θέμα θέματος
θεμάτων απόφαση αποφάσεως απόφασης αποφάσεων αποφάσεις δήμου δήμος δήμο
δημοτικού δημοτικής δημοτικό δημοτική δημοτικών δημοτικοί συμβουλίου
συμβούλιο συμβουλίων κοινότητας κοινότητος ύπαρξη περίπτωση έτος έτους ετών
οικονομικού οικονομικό
""".split()

MIN_TERM_LENGTH = 4
_WORD_RE = re.compile(r"\w+", re.UNICODE)
_stop_words = None


def _fold(text):
    from municipality.core.textindex import fold

    return fold(text)


def _key(word):
    from municipality.core.textindex import inflection_key

    return inflection_key(word)


def stop_words():
    """The folded stop-words (computed once, with core's own folding)."""
    global _stop_words
    if _stop_words is None:
        _stop_words = frozenset(_fold(word) for word in SUBJECT_STOP_WORDS)
    return _stop_words


def subject_terms(subject):
    """The significant words of a subject, folded, each form of a word as
    one, unique, in order.

    «Έγκριση του προϋπολογισμού του Δήμου για το 1987» →
    ``["εγκρισ", "προυπολογισμ"]`` (core's ``fold`` and ``inflection_key``):
    «προϋπολογισμός», «προϋπολογισμού» and the polytonic «Προϋπολογισμοῦ»
    are one subject word. Only the case and number ending goes, not the
    search's stem, which would make «οικισμός» and «οικία» one facet. Words
    under four letters, numbers and :data:`SUBJECT_STOP_WORDS` (compared
    folded, before the ending goes) are left out.
    """
    result = []
    skip = stop_words()
    for word in _WORD_RE.findall(_fold(subject or "")):
        if len(word) < MIN_TERM_LENGTH or word.isdigit() or word in skip:
            continue
        if "_" in word:
            continue
        term = _key(word)
        if term not in result:
            result.append(term)
    return result


def as_datetime(day):
    """A ``date`` as the ``DateTime`` a DateIndex keeps: noon in Greece, so
    the day read back in any European time zone is the same one."""
    return DateTime(f"{day.isoformat()} 12:00:00 GMT+2")


def decision_date(obj):
    """The meeting date, else 1 January of the year, else None."""
    if obj.meeting_date is not None:
        return obj.meeting_date
    if obj.year:
        return date(int(obj.year), 1, 1)
    return None


@indexer(IHistoricalDecision)
def archive_year(obj):
    if not obj.year:
        raise AttributeError("archive_year")
    return int(obj.year)


@indexer(IHistoricalDecision)
def archive_decade(obj):
    if not obj.year:
        raise AttributeError("archive_decade")
    return api.decade(obj.year)


@indexer(IHistoricalDecision)
def archive_number(obj):
    if not obj.number:
        raise AttributeError("archive_number")
    return obj.number


@indexer(IHistoricalDecision)
def archive_source_hash(obj):
    if not obj.source_hash:
        raise AttributeError("archive_source_hash")
    return obj.source_hash


@indexer(IHistoricalDecision)
def archive_needs_review(obj):
    return bool(obj.needs_review)


@indexer(IHistoricalDecision)
def archive_subject_terms(obj):
    return subject_terms(obj.subject)


@indexer(IHistoricalDecision)
def archive_date(obj):
    day = decision_date(obj)
    if day is None:
        raise AttributeError("archive_date")
    return as_datetime(day)


@indexer(IHistoricalDecision)
def archive_meeting_date(obj):
    return obj.meeting_date


@indexer(IHistoricalDecision)
def archive_confidence(obj):
    return obj.confidence


@indexer(IHistoricalDecision)
def archive_confidence_rank(obj):
    """The confidence for the review list's «low confidence» filter (a range
    query): -1 for a decision without one, which the filter counts as low."""
    return -1.0 if obj.confidence is None else float(obj.confidence)


@indexer(IHistoricalDecision)
def archive_pages(obj):
    return len(obj.pages or ())


@indexer(IHistoricalDecision)
def archive_volume(obj):
    if not obj.source_volume:
        raise AttributeError("archive_volume")
    return obj.source_volume


def searchable_text(obj):
    """Title, number, «number/year», subject and the text of every page."""
    parts = [obj.title or "", obj.number or ""]
    if obj.number and obj.year:
        parts.append(f"{obj.number}/{obj.year}")
    parts.append(obj.subject or "")
    parts.append((obj.text or "").replace("\f", "\n"))
    return "\n".join(part for part in parts if part)


@indexer(IHistoricalDecision)
def SearchableText(obj):
    return searchable_text(obj)
