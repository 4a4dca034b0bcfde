"""What a full-text catalog query costs where we do it differently from Plone.

Three comparisons in one process and one run, the queries of
``benchmarks/search.py`` (52: every spelling of 13 subjects) asked as an
anonymous visitor's ``@search`` asks them — ``SearchableText`` and the
site root's path, the first 25 results read — one way and the other in
turn (interleaved), ``--runs`` times; the results must be the same, in the
same order (the script stops when they are not):

* **the whole site's path** (``municipality.core.sitepath``): ZCatalog's
  ``_search_index`` asking ExtendedPathIndex for every document and
  intersecting the result with them, against ours, which skips it;
* **the relevance order** (``municipality.core.relevance``): ZCatalog's
  ``Catalog.search`` sorting every hit (``byValue(0)``) against ours
  (``ScoreOrder``: a sampled score, ``byValue(score)``, only the best
  sorted). The whole site's path is skipped both ways;
* **the summary of the 25 results** (``municipality.core.summary``):
  plone.restapi's ``DefaultJSONSummarySerializer`` against ours
  (``BrainSummary``), each query's results on a request of their own in
  Greek, as ``@search`` serialises them (the JSON must be the same).

    .venv/bin/python benchmarks/catalog.py [--instance search] [--pages 50000]
        [--runs 20]

The site is ``benchmarks/search.py``'s (``var/benchmarks/<instance>``,
``--pages`` pages of the generated archive, loaded when missing by
``archive_corpus.py``). With Zope stopped, the script runs itself inside
``zconsole``. Prints, per way, the median and the mean ms of a query over
all queries and runs, and of the queries with more than 5,000 hits (not for
the summaries: 25 results whatever the hits); the ratios; the peak resident
memory of the process.
"""

from pathlib import Path

import argparse
import statistics
import sys
import time


# zconsole gives the script no ``__file__``; it runs it in the checkout.
ROOT = Path(__file__).resolve().parent.parent if "__file__" in globals() else Path()
#: Queries with more hits than this are shown apart.
LARGE = 5000


def outer(args):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from archive_site import run_inside

    script = ROOT / "benchmarks" / "catalog.py"
    run_inside(args.instance, args.pages, script, "--runs", str(args.runs))


def inner(args, app):
    from AccessControl.SecurityManagement import newSecurityManager
    from AccessControl.SpecialUsers import nobody
    from municipality.core import relevance
    from municipality.core import sitepath
    from Products.ZCatalog.Catalog import Catalog
    from zope.component.hooks import setSite

    import os

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from archive_site import memory_kb
    from search import QUERIES

    portal = app.Plone
    setSite(portal)
    newSecurityManager(None, nobody)  # anonymous, as the benchmark's clients
    catalog = portal.portal_catalog
    root = "/".join(portal.getPhysicalPath())
    texts = [text for _form, text in QUERIES]

    def query(text):
        brains = catalog.searchResults(SearchableText=text, path=root)
        return len(brains), [brain.getRID() for brain in brains[:25]]

    comparisons = {
        "the whole site's path": {
            "ZCatalog": {"_search_index": sitepath._original_search_index},
            "ours (skipped)": {"_search_index": sitepath._search_index},
        },
        "the relevance order": {
            "ZCatalog (byValue(0))": {
                "_search_index": sitepath._search_index,
                "search": relevance._original_search,
            },
            "ours (ScoreOrder)": {
                "_search_index": sitepath._search_index,
                "search": relevance.search,
            },
        },
    }
    installed = {name: getattr(Catalog, name) for name in ("_search_index", "search")}
    print(
        f"{len(QUERIES)} queries × {args.runs} runs each way, interleaved, "
        "as an anonymous @search (the site root's path, 25 results read); ms\n"
    )
    print(
        f"{'comparison':24} {'way':24} {'median':>7} {'mean':>7} "
        f"{'median >' + str(LARGE):>12} {'mean >' + str(LARGE):>11}"
    )
    try:
        for title, ways in comparisons.items():
            times = {way: [] for way in ways}
            large = {way: [] for way in ways}
            for run in range(args.runs + 1):  # the first run warms
                # Each way first in every other run.
                order = list(ways.items())[:: 1 if run % 2 else -1]
                for text in texts:
                    answers = {}
                    for way, methods in order:
                        for name, method in methods.items():
                            setattr(Catalog, name, method)
                        started = time.perf_counter()
                        answers[way] = query(text)
                        elapsed = (time.perf_counter() - started) * 1000
                        if run:
                            times[way].append(elapsed)
                            if answers[way][0] > LARGE:
                                large[way].append(elapsed)
                    first, *others = answers.values()
                    if any(other != first for other in others):
                        sys.exit(f"{title}: {text!r} answered differently")
            report(title, times, large, "ZCatalog ÷ ours (median)")
    finally:
        for name, method in installed.items():
            setattr(Catalog, name, method)
    summaries(args, app, catalog, root, texts)
    print(f"\npeak resident memory: {memory_kb(os.getpid()) / 1024:.0f} MB")


def report(title, times, large, ratio):
    """A line per way (median, mean ms; of the large queries too when given),
    then the first way's median over the second's."""
    medians = {way: statistics.median(values) for way, values in times.items()}
    for way, values in times.items():
        line = f"{title:24} {way:24} {medians[way]:7.3f} {statistics.mean(values):7.3f}"
        if large is not None:
            line += (
                f" {statistics.median(large[way]):12.3f}"
                f" {statistics.mean(large[way]):11.3f}"
            )
        print(line)
    theirs, ours = medians.values()
    print(f"{'':24} {ratio:24} {theirs / ours:7.2f}×")


def summaries(args, app, catalog, root, texts):
    """plone.restapi's summary of 25 results against ours (see the module)."""
    from municipality.core.interfaces import IMunicipalityLayer
    from municipality.core.summary import BrainSummary
    from plone.restapi.serializer.summary import DefaultJSONSummarySerializer
    from Testing.makerequest import makerequest
    from zope.globalrequest import setRequest
    from zope.interface import alsoProvides

    ways = {
        "plone.restapi's": DefaultJSONSummarySerializer,
        "ours (BrainSummary)": BrainSummary,
    }
    results = {
        text: list(catalog.searchResults(SearchableText=text, path=root)[:25])
        for text in texts
    }
    times = {way: [] for way in ways}
    for run in range(args.runs + 1):  # the first run warms
        order = list(ways.items())[:: 1 if run % 2 else -1]
        for text in texts:
            answers = []
            for way, serializer in order:
                request = makerequest(app).REQUEST
                request["LANGUAGE"] = "el"
                alsoProvides(request, IMunicipalityLayer)
                setRequest(request)
                started = time.perf_counter()
                brains = results[text]
                answers.append([serializer(brain, request)() for brain in brains])
                elapsed = (time.perf_counter() - started) * 1000
                if run:
                    times[way].append(elapsed)
            if answers[0] != answers[1]:
                sys.exit(f"the summaries: {text!r} serialised differently")
    setRequest(None)
    report("the 25 results' summary", times, None, "plone.restapi ÷ ours")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", default="search")
    parser.add_argument("--pages", type=int, default=50000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from archive_site import script_argv

    args = parser.parse_args(script_argv("app" in globals()))
    if args.inner:
        inner(args, globals()["app"])
    else:
        outer(args)


if __name__ == "__main__":
    main()
