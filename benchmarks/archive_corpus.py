"""Load a generated corpus of council decisions into a site (``zconsole run``).

    zconsole run <instance>/etc/zope.conf benchmarks/archive_corpus.py \\
        --pages 50000 [--seed 0] [--site-id Plone] [--commit-every 200]

Run by ``benchmarks/search.py`` (Zope stopped: the FileStorage is ours).
``app`` is the Zope application, given by zconsole.

* the corpus: ``corpus.generate(pages, seed)`` — decisions of 1–8 pages of
  1950–2010, half of them polytonic — stored as published
  ``HistoricalDecision`` items in ``/archive`` with their pages' texts, as
  the ingestion stores them but without scans (text only: the point is
  scale, not OCR): no page images, no PDF;
* the baseline's index: ``SearchableText_stock``, a ZCTextIndex over the
  same ``SearchableText`` with a lexicon of Plone's stock pipeline
  (``stock_lexicon``: Unicode whole-word splitter, case normaliser that
  keeps Greek accents) — what a site without the Greek lexicon would have.
  Only in the benchmark's site.

Resumable: decisions the archive holds (by their source hash) are skipped.
Commits every ``--commit-every`` decisions; prints the rate as it goes and
the total load time at the end.
"""

from DateTime import DateTime
from municipality.archive import corpus
from municipality.archive import store
from municipality.archive.content.decision import Page
from municipality.archive.setuphandlers import get_archive
from persistent.list import PersistentList
from plone.dexterity.utils import createContentInContainer
from Products.CMFPlone.UnicodeSplitter.splitter import I18NNormalizer
from Products.CMFPlone.UnicodeSplitter.splitter import Splitter
from Products.ZCTextIndex.ZCTextIndex import PLexicon
from types import SimpleNamespace
from zope.component.hooks import setSite

import argparse
import hashlib
import json
import random
import sys
import time
import transaction


STOCK_LEXICON = "stock_lexicon"
STOCK_INDEX = "SearchableText_stock"
WORKFLOW = "archive_decision_workflow"


def parse_args():
    # zconsole leaves its own arguments in sys.argv: ours follow the script.
    argv = sys.argv[next(i for i, a in enumerate(sys.argv) if a.endswith(".py")) + 1 :]
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=50000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--site-id", default="Plone")
    parser.add_argument("--admin-user", default="admin")
    parser.add_argument("--commit-every", type=int, default=200)
    parser.add_argument("--report", help="write the figures here as JSON")
    return parser.parse_args(argv)


def ensure_stock_index(site):
    """The baseline's lexicon and index; True when the index is new."""
    catalog = site.portal_catalog
    if STOCK_LEXICON not in catalog.objectIds():
        catalog._setObject(
            STOCK_LEXICON, PLexicon(STOCK_LEXICON, "", Splitter(), I18NNormalizer())
        )
    if STOCK_INDEX in catalog.indexes():
        return False
    extra = SimpleNamespace(
        doc_attr="SearchableText",
        lexicon_id=STOCK_LEXICON,
        index_type="Okapi BM25 Rank",
    )
    catalog.addIndex(STOCK_INDEX, "ZCTextIndex", extra)
    return True


def source_hash(seed, item):
    key = f"benchmark-corpus:{seed}:{item['year']}:{item['number']}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def add_decision(site, archive, item, digest, rng):
    """One text-only decision, published, as ``store.ingest`` would store it."""
    year = item["year"]
    number = item["number"]
    languages = "ell+grc" if item["polytonic"] else "ell"
    files = [
        f"{year}/{int(number):04d}-{i}.tif" for i in range(1, 1 + len(item["pages"]))
    ]
    pages = PersistentList(
        Page(
            index,
            text=text,
            confidence=round(rng.uniform(78, 97), 2),
            source_file=files[index - 1],
            source_page=1,
            languages=languages,
        )
        for index, text in enumerate(item["pages"], 1)
    )
    new_id = store.unique_id(archive, store.base_id(number, year, digest))
    decision = createContentInContainer(
        archive,
        store.PORTAL_TYPE,
        checkConstraints=False,
        id=new_id,
        title=f"Απόφαση {number}/{year}",  # the subscriber writes the real one
        text="\f".join(page.text for page in pages),
        pages=pages,
        source_hash=digest,
        source_files=tuple(files),
        languages=languages,
        confidence=round(sum(p.confidence for p in pages) / len(pages), 2),
        number=number,
        year=year,
        meeting_date=item["meeting_date"],
        subject=item["subject"],
        source_volume=f"Πρακτικά {year}",
        source_box=f"Κουτί {(year - 1950) // 2 + 1}",
        review_reasons=[],
        needs_review=False,
    )
    # Published at once, before the indexing queue runs: indexed once.
    workflow_tool = site.portal_workflow
    workflow_tool.setStatusOf(
        WORKFLOW,
        decision,
        {
            "action": "publish",
            "actor": "admin",
            "comments": "",
            "review_state": "published",
            "time": DateTime(),
        },
    )
    workflow_tool[WORKFLOW].updateRoleMappingsFor(decision)
    decision.reindexObject()
    return decision


def main(app):
    args = parse_args()
    site = app[args.site_id]
    setSite(site)
    from AccessControl.SecurityManagement import newSecurityManager
    from AccessControl.SpecialUsers import system

    admin = app.acl_users.getUserById(args.admin_user)
    newSecurityManager(None, admin.__of__(app.acl_users) if admin else system)
    archive = get_archive(site)
    if archive is None:
        sys.exit("the site has no archive (municipality.archive not installed)")
    if ensure_stock_index(site):
        catalog = site.portal_catalog
        if len(catalog):
            catalog.manage_reindexIndex(ids=[STOCK_INDEX])
        transaction.commit()
        print(f"Added {STOCK_INDEX} ({STOCK_LEXICON}: Plone's stock pipeline).")
    known = set(store.known_hashes(archive))
    rng = random.Random(args.seed)  # noqa: S311 - confidences, not secrets
    started = time.monotonic()
    added = skipped = pages = 0
    for item in corpus.generate(args.pages, seed=args.seed):
        digest = source_hash(args.seed, item)
        if digest in known:
            skipped += 1
            continue
        add_decision(site, archive, item, digest, rng)
        added += 1
        pages += len(item["pages"])
        if added % args.commit_every == 0:
            transaction.commit()
            app._p_jar.cacheGC()
            elapsed = time.monotonic() - started
            print(
                f"{added} decisions, {pages} pages in {elapsed:.0f} s "
                f"({pages / elapsed:.0f} pages/s)",
                flush=True,
            )
    transaction.commit()
    elapsed = time.monotonic() - started
    figures = {
        "decisions_added": added,
        "decisions_skipped": skipped,
        "pages_added": pages,
        "seconds": round(elapsed, 1),
        "pages_per_second": round(pages / elapsed, 1) if elapsed and pages else 0,
        "decisions_total": len(store.known_hashes(archive)),
    }
    print(
        f"Loaded {added} decisions ({pages} pages) in {elapsed:.0f} s; "
        f"{skipped} were there already; the archive holds "
        f"{figures['decisions_total']}."
    )
    if args.report:
        with open(args.report, "w", encoding="utf-8") as out:
            json.dump(figures, out, indent=1)


main(app)  # noqa: F821 - given by zconsole
