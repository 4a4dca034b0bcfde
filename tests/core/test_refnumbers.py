"""Reference numbers: format, series and years, gap-free, unique under concurrency."""

from municipality.core.refnumbers import format_number
from municipality.core.refnumbers import last_number
from municipality.core.refnumbers import next_number
from municipality.core.refnumbers import parse_number
from ZODB.POSException import ConflictError
from zope.component.hooks import setSite

import pytest
import threading
import transaction


def test_format_and_parse():
    assert format_number("ΑΙΤ", 2026, 123) == "ΑΙΤ-2026/000123"
    assert parse_number("ΑΙΤ-2026/000123") == ("ΑΙΤ", 2026, 123)
    with pytest.raises(ValueError, match="Not a reference number"):
        parse_number("ΑΙΤ 2026/1")


def test_numbers_are_consecutive_per_series_and_year(integration):
    portal = integration["portal"]
    assert next_number("ΑΙΤ", 2026, site=portal) == "ΑΙΤ-2026/000001"
    assert next_number("ΑΙΤ", 2026, site=portal) == "ΑΙΤ-2026/000002"
    assert next_number("ΚΑΤ", 2026, site=portal) == "ΚΑΤ-2026/000001"
    assert next_number("ΑΙΤ", 2027, site=portal) == "ΑΙΤ-2027/000001"
    assert next_number("ΑΙΤ", 2026, site=portal) == "ΑΙΤ-2026/000003"
    assert last_number("ΑΙΤ", 2026, site=portal) == 3
    assert last_number("ΠΡΟ", 2026, site=portal) == 0


@pytest.mark.parametrize("series", ["", "Α Β", "Α-Β", "Α/Β", "ΑΒΓΔΕΖΗΘΙΚΛΜΝ"])
def test_bad_series_is_refused(integration, series):
    with pytest.raises(ValueError, match="Bad series"):
        next_number(series, 2026, site=integration["portal"])


def test_an_aborted_transaction_spends_no_number(functional):
    portal = functional["portal"]
    assert next_number("ΑΙΤ", 2026, site=portal) == "ΑΙΤ-2026/000001"
    transaction.commit()
    assert next_number("ΑΙΤ", 2026, site=portal) == "ΑΙΤ-2026/000002"
    transaction.abort()
    assert next_number("ΑΙΤ", 2026, site=portal) == "ΑΙΤ-2026/000002"
    transaction.commit()
    assert last_number("ΑΙΤ", 2026, site=portal) == 2


def test_concurrent_transactions_get_distinct_consecutive_numbers(functional):
    """8 threads, each with its own ZODB connection, take 15 numbers each.

    Conflicting transactions are retried as Zope retries a request; in the
    end the numbers are exactly 1…120, none twice, none skipped.
    """
    portal = functional["portal"]
    next_number("ΤΕΣΤ", 2026, site=portal)  # create the counter
    transaction.commit()
    db = functional["zodbDB"]
    site_path = portal.getPhysicalPath()
    taken, conflicts, errors = [], [], []
    lock = threading.Lock()

    def worker():
        manager = transaction.TransactionManager()
        connection = db.open(transaction_manager=manager)
        try:
            app = connection.root()["Application"]
            site = app.unrestrictedTraverse(site_path)
            setSite(site)
            for _ in range(15):
                while True:
                    manager.begin()
                    try:
                        number = next_number("ΤΕΣΤ", 2026, site=site)
                        manager.commit()
                    except ConflictError:
                        manager.abort()
                        with lock:
                            conflicts.append(1)
                        continue
                    with lock:
                        taken.append(number)
                    break
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            manager.abort()
            connection.close()
            setSite(None)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    numbers = sorted(parse_number(n)[2] for n in taken)
    assert numbers == list(range(2, 122))
    transaction.begin()
    assert last_number("ΤΕΣΤ", 2026, site=portal) == 121
