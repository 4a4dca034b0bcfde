"""The low-confidence report of a batch (``Runner._report``; no site)."""

from municipality.archive.ingest.journal import Journal
from municipality.archive.ingest.payload import Facts
from municipality.archive.ingest.runner import Item
from municipality.archive.ingest.runner import Options
from municipality.archive.ingest.runner import Runner
from types import SimpleNamespace

import csv
import io


def test_every_page_that_needs_a_look_is_a_row(tmp_path):
    report = tmp_path / "low.csv"
    with Journal(tmp_path / "state") as journal:
        journal.record_upload(
            "h1",
            url="http://site/archive/d1",
            languages="ell",
            low_confidence=[["v1/d1.tif", 2, 2, 61.25]],
            empty=[["v1/d1.tif", 3, 3]],
            text_missing=[["v1/d1.tif", 2, 2], ["v1/d1.tif", 4, 4]],
        )
        runner = Runner(
            SimpleNamespace(skipped=[]),
            journal,
            None,
            None,
            Options(report=report),
            out=io.StringIO(),
        )
        # One decision in the site, one not sent (its pages still listed).
        runner.items = [
            Item(decision=None, source_hash="h1", languages="ell"),
            Item(
                decision=None,
                source_hash="h2",
                languages="ell+grc",
                facts=Facts(low_confidence=[(1, "v1/d2.pdf", 1, 40.0)]),
            ),
        ]
        runner._report()
    with open(report, encoding="utf-8-sig") as stream:
        rows = [
            (row["decision"], row["page"], row["decision_page"], row["confidence"])
            for row in csv.DictReader(stream)
        ]
    assert rows == [
        ("http://site/archive/d1", "2", "2", "61.2"),
        ("http://site/archive/d1", "3", "3", "no text"),
        ("http://site/archive/d1", "2", "2", "text missing"),
        ("http://site/archive/d1", "4", "4", "text missing"),
        ("", "1", "1", "40.0"),
    ]
    assert runner.summary.low_confidence == 2
    assert runner.summary.text_missing == 2
    assert runner.summary.report == str(report)
    runner.print_summary()
    assert "Pages with text left unread: 2" in runner.out.getvalue()
