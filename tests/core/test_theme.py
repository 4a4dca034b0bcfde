"""The theme's rules make the very pages Barceloneta's rules make.

``src/municipality/core/theme/rules.xml`` spells Barceloneta's rules with
XPath ``id()`` look-ups instead of CSS selectors (Diazo turns ``#portal-top``
into ``//*[@id = 'portal-top']``, which reads the whole page, some forty
times per page). ``data/barceloneta-rules.xml`` is the reference: the rules
as they were, Barceloneta's own ``xi:include``d with our additions. Every
page below is fetched through the publisher with each set of rules in turn,
and the two must be the same, byte for byte: anonymous and logged-in, with
portlets in both columns, the portlet managers' page (the footer portlet
manager), the status message, ``ajax_load`` and ``@@manage-viewlets``
(left unthemed), an archive search and a page not found.
"""

# ``tests/`` is on sys.path (pytest's rootdir conftest): ``archive`` is
# the archive's tests, whose helpers make a decision as ingestion does.
from archive.helpers import ingest_decision
from municipality.archive.setuphandlers import get_archive
from pathlib import Path
from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from plone.app.theming.utils import getOrCreatePersistentResourceDirectory
from plone.app.theming.utils import theming_policy
from plone.portlet.static import static
from plone.portlets.interfaces import IPortletAssignmentMapping
from plone.portlets.interfaces import IPortletManager
from plone.testing.zope import Browser
from urllib.parse import quote
from zope.component import getMultiAdapter
from zope.component import getUtility
from zope.component.hooks import setSite

import municipality.core
import pytest
import re
import transaction


TOKEN = re.compile(r"\b[0-9a-f]{40}\b")  # plone.protect's SHA-1 tokens
RULES = "plone.app.theming.interfaces.IThemeSettings.rules"
REFERENCE = Path(__file__).parent / "data" / "barceloneta-rules.xml"
THEME = Path(municipality.core.__file__).parent / "theme"

ANONYMOUS_PAGES = (
    "",
    "/about",
    "/about?ajax_load=1",
    "/login",
    "/archive",
    "/archive/@@archive-search?q=ΠΡΟΫΠΟΛΟΓΙΣΜΟΥ",
    "/no-such-page",
)
OWNER_PAGES = (
    "/about",
    "/about/@@edit?form.buttons.cancel=1",  # back on /about with a message
    "/about/@@manage-portlets",
    "/@@manage-viewlets",
    "/archive/@@archive-search?q=προυπολογισμου",
)


@pytest.fixture
def site(functional):
    """A page with portlets on both sides, a published decision, and the
    reference rules as a theme of the site's own (``++theme++reference``)."""
    portal = functional["portal"]
    setSite(portal)
    with api.env.adopt_roles(["Manager"]):
        about = api.content.create(
            portal, "Document", id="about", title="Ο Δήμος", description="Ποιοι είμαστε"
        )
        api.content.transition(about, "publish")
        for manager_name, name, assignment in (
            (
                "plone.leftcolumn",
                "links",
                static.Assignment(header="Χρήσιμα", text="<p>Τηλέφωνα</p>"),
            ),
            (
                "plone.rightcolumn",
                "notice",
                static.Assignment(header="Ανακοίνωση", text="<p>Ωράριο Αυγούστου</p>"),
            ),
        ):
            manager = getUtility(IPortletManager, name=manager_name, context=about)
            mapping = getMultiAdapter((about, manager), IPortletAssignmentMapping)
            mapping[name] = assignment
        ingest_decision(get_archive(portal), state="published")
        folder = getOrCreatePersistentResourceDirectory()
        if "reference" not in folder:
            folder.makeDirectory("reference")
        folder["reference"].writeFile("rules.xml", REFERENCE.read_bytes())
        folder["reference"].writeFile("index.html", (THEME / "index.html").read_bytes())
    transaction.commit()
    return functional


def _with_rules(functional, rules):
    api.portal.set_registry_record(RULES, rules)
    theming_policy(functional["request"]).invalidateCache()
    transaction.commit()


def _pages(functional, owner):
    browser = Browser(functional["app"])
    browser.raiseHttpErrors = False
    browser.addHeader("Accept-Language", "el")
    browser.addHeader("Accept", "text/html")
    if owner:
        browser.addHeader(
            "Authorization", f"Basic {SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}"
        )
    url = functional["portal"].absolute_url()
    pages = {}
    for path in OWNER_PAGES if owner else ANONYMOUS_PAGES:
        browser.open(url + quote(path, safe="/@?=&"))
        # The CSRF tokens come from a keyring that may turn over between
        # the two fetches; they have nothing to do with the theme.
        html = TOKEN.sub("TOKEN", browser.contents)
        pages[path] = (browser.headers["status"], html)
    return pages


@pytest.mark.parametrize("owner", [False, True], ids=["anonymous", "owner"])
def test_the_same_pages_as_barcelonetas_rules(site, owner):
    ours = api.portal.get_registry_record(RULES)
    assert ours == "/++theme++municipality/rules.xml"
    themed = _pages(site, owner)
    _with_rules(site, "/++theme++reference/rules.xml")
    try:
        reference = _pages(site, owner)
    finally:
        _with_rules(site, ours)
    assert themed.keys() == reference.keys()
    for path, (status, html) in themed.items():
        assert (status, html) == reference[path], path
    # The pages are what the rules are for: themed, each rule's content there.
    status, html = themed["" if not owner else "/about"]
    assert status.startswith("200")
    assert 'id="skip-links"' in html
    assert 'id="municipality-contact"' in html or 'id="footer-contact"' in html
    if owner:
        assert 'id="edit-bar"' in html
        assert 'id="portal-column-one"' in html
        assert 'id="portal-column-two"' in html
        assert "statusmessage" in themed["/about/@@edit?form.buttons.cancel=1"][1]
        assert "Τηλέφωνα" in html
        assert "Ωράριο Αυγούστου" in html
        assert (
            "portletmanager-plone-footerportlets"
            in themed["/about/@@manage-portlets"][1]
        )
    else:
        assert 'id="portal-toolbar"' not in html
        assert 'class="outer-wrapper' in themed["/about"][1]
        # ajax_load: left unthemed (no theme layout around Plone's page)
        assert 'class="outer-wrapper' not in themed["/about?ajax_load=1"][1]
        assert themed["/no-such-page"][0].startswith("404")
        assert "1987" in themed["/archive/@@archive-search?q=ΠΡΟΫΠΟΛΟΓΙΣΜΟΥ"][1]
