"""What public pages cost where we do it differently from Plone.

Two comparisons in one process and one run, each made ``--runs`` times
one way and the other in turn (interleaved), the medians printed and the
two results compared (they must be the same):

* **the Diazo transform**: our ``core/theme/rules.xml`` is Barceloneta's
  rules with the content side spelled with XPath ``id()`` instead of CSS
  selectors (docs/architecture.md, «The theme»). Public pages are rendered
  without the theme (anonymous), then transformed with Barceloneta's rules
  (``tests/core/data/barceloneta-rules.xml``, put in the site's persistent
  theme folder for the run and not committed) and with ours;
* **the home page** made (before the theme) with Plone's ways of asking
  whether an add-on is installed (the installer's
  ``is_product_installed``), of drawing an icon (``@@iconresolver`` each
  time) and of listing the languages (``LanguageSelector.languages``), and
  with ours (``eservices.is_addon_installed``, ``HomeView.icon``,
  ``LanguageSwitcherViewlet.languages``).

    .venv/bin/python benchmarks/pages.py [--instance theme] [--pages 2000]
        [--runs 200]

It makes (or reuses) the benchmark instance ``var/benchmarks/<instance>``
with ``--pages`` pages of the generated archive (``archive_corpus.py``,
resumable; with ``--instance search`` and ``--pages 50000`` it is
``benchmarks/search.py``'s site). What a transform costs depends on the
page's HTML, not on how many decisions the archive holds: a search page
lists one batch of results whatever the total. With Zope stopped, the
script runs itself inside ``zconsole``; peak resident memory of that
process is printed.
"""

from pathlib import Path

import argparse
import re
import statistics
import sys
import time


# zconsole gives the script no ``__file__``; it runs it in the checkout.
ROOT = Path(__file__).resolve().parent.parent if "__file__" in globals() else Path()
TOKEN = re.compile(r"\b[0-9a-f]{40}\b")  # plone.protect's CSRF tokens
PAGES = (
    ("front page", "", {}),
    ("archive home", "archive", {}),
    ("archive search", "archive/@@archive-search", {"q": "ύδρευση"}),
    (
        "archive search, 2 words",
        "archive/@@archive-search",
        {"q": "ΔΗΜΟΤΙΚΟΥ σχολειου"},
    ),
)


def outer(args):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from archive_site import run_inside

    script = ROOT / "benchmarks" / "pages.py"
    run_inside(args.instance, args.pages, script, "--runs", str(args.runs))


def inner(args, app):
    from AccessControl.SecurityManagement import noSecurityManager
    from plone.app.theming import utils
    from repoze.xmliter.utils import getHTMLSerializer
    from zope.component.hooks import setSite
    from zope.event import notify
    from zope.traversing.interfaces import BeforeTraverseEvent

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from archive_site import memory_kb

    import os

    # zconsole's ``app`` has its request (``makerequest``) already.
    portal = app.Plone
    setSite(portal)
    noSecurityManager()
    request = app.REQUEST
    # As the publisher leaves them: the rules' subrequests start from here.
    request["PARENTS"] = [portal, app]
    request.setServerURL("http", "127.0.0.1", "8080")
    notify(BeforeTraverseEvent(portal, request))  # the add-ons' browser layers
    request["PUBLISHED"] = portal.restrictedTraverse(portal.getLayout())

    settings = utils.theming_policy(request).getSettings()
    folder = utils.getOrCreatePersistentResourceDirectory()
    if "benchmark-reference" not in folder:
        folder.makeDirectory("benchmark-reference")
    reference = folder["benchmark-reference"]
    reference.writeFile(
        "rules.xml",
        (ROOT / "tests" / "core" / "data" / "barceloneta-rules.xml").read_bytes(),
    )
    theme = ROOT / "src" / "municipality" / "core" / "theme"
    reference.writeFile("index.html", (theme / "index.html").read_bytes())

    def compiled(rules):
        return utils.compileThemeTransform(
            rules, settings.absolutePrefix, False, settings.parameterExpressions
        )

    transforms = {
        "Barceloneta's rules": compiled("/++theme++benchmark-reference/rules.xml"),
        "ours (id())": compiled(settings.rules),
    }
    print(
        f"{args.runs} transforms of each page with each set of rules, "
        "interleaved; median ms\n"
    )
    header = f"{'page':26} {'HTML':>8} " + " ".join(f"{n:>20}" for n in transforms)
    print(header + f" {'ratio':>7}")
    for title, path, form in PAGES:
        context = portal.unrestrictedTraverse(path.split("/@@")[0]) if path else portal
        view_name = path.split("/@@")[1] if "/@@" in path else None
        request.form.clear()
        request.form.update(form)
        request.other.update(form)
        if view_name:
            view = context.restrictedTraverse("@@" + view_name)
            request["ACTUAL_URL"] = f"{context.absolute_url()}/@@{view_name}"
        else:
            view = context.restrictedTraverse(context.getLayout())
            request["ACTUAL_URL"] = context.absolute_url()
        request["PUBLISHED"] = view
        html = view()
        params = utils.prepareThemeParameters(
            portal, request, settings.parameterExpressions
        )
        times = {name: [] for name in transforms}
        results = {}
        for _ in range(args.runs):
            for name, transform in transforms.items():
                serializer = getHTMLSerializer([html], encoding="utf-8")
                started = time.perf_counter()
                out = transform(serializer.tree, **params)
                times[name].append(time.perf_counter() - started)
                serializer.tree = out
                results[name] = str(serializer)
        medians = [statistics.median(t) * 1000 for t in times.values()]
        same = len(set(results.values())) == 1
        print(
            f"{title:26} {len(html):>8} "
            + " ".join(f"{m:>20.2f}" for m in medians)
            + f" {medians[0] / medians[1]:>6.2f}×"
            + ("" if same else "  DIFFERENT OUTPUT")
        )
    home_page(args.runs, portal, request)
    print(f"\npeak resident memory: {memory_kb(os.getpid()) / 1024:.0f} MB")


def home_page(runs, portal, request):
    """The front page made (no theme) with Plone's ways and with ours."""
    from municipality.core import eservices
    from municipality.core.browser import home
    from municipality.core.browser import viewlets
    from plone.app.i18n.locales.browser.selector import LanguageSelector
    from Products.CMFCore.utils import getToolByName
    from Products.CMFPlone.utils import get_installer
    from zope.annotation.interfaces import IAnnotations
    from zope.globalrequest import getRequest

    def is_addon_installed(context, addon, request=None):
        # eservices.is_addon_installed as it was, with Plone's installer.
        if request is None:
            request = getRequest()
        cache = IAnnotations(request, {}) if request is not None else {}
        installed = cache.setdefault(eservices._CACHE_KEY, {})
        if addon not in installed:
            portal = getToolByName(context, "portal_url").getPortalObject()
            installed[addon] = bool(
                get_installer(portal, request).is_product_installed(addon)
            )
        return installed[addon]

    def icon(self, name):
        icons = self.context.restrictedTraverse("@@iconresolver")
        return icons.tag(name, tag_class=home.ICON_CLASS)

    switcher = viewlets.LanguageSwitcherViewlet
    ways = {
        "Plone's": (is_addon_installed, icon, LanguageSelector.languages),
        "ours": (eservices.is_addon_installed, home.HomeView.icon, switcher.languages),
    }
    request["ACTUAL_URL"] = portal.absolute_url()
    request.form.clear()
    times = {name: [] for name in ways}
    results = {}
    try:
        for _ in range(runs):
            for name, (installed, icon_, languages) in ways.items():
                eservices.is_addon_installed = installed
                home.HomeView.icon = icon_
                switcher.languages = languages
                # A new request's worth of memos (plone.memoize, our caches).
                IAnnotations(request).clear()
                view = portal.restrictedTraverse(portal.getLayout())
                request["PUBLISHED"] = view
                started = time.perf_counter()
                html = view()
                times[name].append(time.perf_counter() - started)
                results[name] = TOKEN.sub("TOKEN", html)
    finally:
        installed, icon_, languages = ways["ours"]
        eservices.is_addon_installed = installed
        home.HomeView.icon = icon_
        switcher.languages = languages
    medians = [statistics.median(t) * 1000 for t in times.values()]
    same = len(set(results.values())) == 1
    print(f"\n{runs} home pages made (no theme) each way, interleaved; median ms\n")
    print(f"{'page':26} {'HTML':>8} " + " ".join(f"{n:>20}" for n in ways) + "   ratio")
    print(
        f"{'front page':26} {len(html):>8} "
        + " ".join(f"{m:>20.2f}" for m in medians)
        + f" {medians[0] / medians[1]:>6.2f}×"
        + ("" if same else "  DIFFERENT OUTPUT")
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", default="theme")
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=200)
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
