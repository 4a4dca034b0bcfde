"""The upgrade steps bring an older site to the current profiles.

An older site is made by rolling the recorded profile version back and
removing what the newer version added; running the upgrades must put it
back, and leave no upgrade pending.
"""

from plone import api
from plone.registry.interfaces import IRegistry
from Products.CMFPlone.utils import get_installer
from zope.component import getUtility


def _upgrade(setup_tool, profile):
    with api.env.adopt_roles(["Manager"]):
        setup_tool.upgradeProfile(profile)


def _current(setup_tool, profile):
    """The version the profile's metadata.xml declares now."""
    return setup_tool.getVersionForProfile(profile)


def test_core_1004_adds_the_bank_merchant_settings(portal, setup_tool):
    registry = getUtility(IRegistry)
    for name in ("gateway", "merchant_id", "shared_secret"):
        del registry.records[f"municipality.bank.{name}"]
    setup_tool.setLastVersionForProfile("municipality.core:default", "1003")

    _upgrade(setup_tool, "municipality.core:default")

    assert setup_tool.getLastVersionForProfile("municipality.core:default") == (
        _current(setup_tool, "municipality.core:default"),
    )
    assert registry["municipality.bank.gateway"] == "modirum"
    assert registry["municipality.bank.merchant_id"] == "0020000000"
    assert setup_tool.listUpgrades("municipality.core:default") == []


def test_core_upgrade_keeps_an_operators_bank_address(portal, setup_tool):
    api.portal.set_registry_record(
        "municipality.bank.url", "https://ecommerce.cardlink.gr"
    )
    setup_tool.setLastVersionForProfile("municipality.core:default", "1003")

    _upgrade(setup_tool, "municipality.core:default")

    assert (
        api.portal.get_registry_record("municipality.bank.url")
        == "https://ecommerce.cardlink.gr"
    )


def test_umbrella_1003_installs_payments(portal, setup_tool):
    installer = get_installer(portal)
    with api.env.adopt_roles(["Manager"]):
        installer.uninstall_product("municipality.payments")
    assert not installer.is_product_installed("municipality.payments")
    setup_tool.setLastVersionForProfile("municipality:default", "1002")

    _upgrade(setup_tool, "municipality:default")

    assert installer.is_product_installed("municipality.payments")
    assert setup_tool.getLastVersionForProfile("municipality:default") == (
        _current(setup_tool, "municipality:default"),
    )
    assert setup_tool.listUpgrades("municipality:default") == []


def test_umbrella_1002_installs_signing_and_certificates(portal, setup_tool):
    installer = get_installer(portal)
    with api.env.adopt_roles(["Manager"]):
        for addon in ("municipality.payments", "municipality.certificates"):
            installer.uninstall_product(addon)
        installer.uninstall_product("municipality.signing")
    setup_tool.setLastVersionForProfile("municipality:default", "1001")

    _upgrade(setup_tool, "municipality:default")

    for addon in (
        "municipality.signing",
        "municipality.certificates",
        "municipality.payments",
    ):
        assert installer.is_product_installed(addon), addon


def test_core_1003_installs_the_taxisnet_plugin(portal, setup_tool):
    acl_users = portal.acl_users
    acl_users.manage_delObjects(["taxisnet"])
    setup_tool.setLastVersionForProfile("municipality.core:default", "1002")

    _upgrade(setup_tool, "municipality.core:default")

    assert "taxisnet" in acl_users.objectIds()
    assert setup_tool.listUpgrades("municipality.core:default") == []


def test_core_1005_folds_greek_in_search(portal, setup_tool):
    from municipality.core import textindex
    from plone.app.textfield.value import RichTextValue

    with api.env.adopt_roles(["Manager"]):
        api.content.create(
            container=portal,
            type="Document",
            id="decision",
            title="Απόφαση του Δημοτικού Συμβουλίου",
            text=RichTextValue("<p>Περὶ ὑδρεύσεως</p>", "text/html", "text/html"),
        )
    # A site from before 1005: Plone's own lexicon, its content indexed by it.
    textindex.uninstall(portal)
    catalog = portal.portal_catalog

    def found(text):
        return [b.getId for b in catalog.unrestrictedSearchResults(SearchableText=text)]

    assert "decision" not in found("αποφαση")
    setup_tool.setLastVersionForProfile("municipality.core:default", "1004")

    _upgrade(setup_tool, "municipality.core:default")

    assert textindex.is_installed(portal)
    for text in ("αποφαση", "ΑΠΟΦΑΣΗ", "δημοτικο συμβουλιο", "υδρευση"):
        assert "decision" in found(text), text
    assert setup_tool.getLastVersionForProfile("municipality.core:default") == (
        _current(setup_tool, "municipality.core:default"),
    )
    assert setup_tool.listUpgrades("municipality.core:default") == []


def test_archive_1001_caches_the_public_pages(portal, setup_tool):
    installer = get_installer(portal)
    with api.env.adopt_roles(["Manager"]):
        installer.uninstall_product("plone.app.caching")
    assert not installer.is_product_installed("plone.app.caching")
    setup_tool.setLastVersionForProfile("municipality.archive:default", "1000")

    _upgrade(setup_tool, "municipality.archive:default")

    assert installer.is_product_installed("plone.app.caching")
    registry = getUtility(IRegistry)
    assert registry["plone.caching.interfaces.ICacheSettings.enabled"] is True
    assert registry["plone.caching.interfaces.ICacheSettings.operationMapping"] == {
        "municipality.archive.public": "plone.app.caching.terseCaching"
    }
    assert registry[
        "plone.app.caching.terseCaching.municipality.archive.public.ramCache"
    ]
    assert setup_tool.getLastVersionForProfile("municipality.archive:default") == (
        _current(setup_tool, "municipality.archive:default"),
    )
    assert setup_tool.listUpgrades("municipality.archive:default") == []


def test_archive_1002_adds_the_review_tab(portal, setup_tool):
    category = portal.portal_actions.object
    category.manage_delObjects(["archive_review"])
    setup_tool.setLastVersionForProfile("municipality.archive:default", "1001")

    _upgrade(setup_tool, "municipality.archive:default")

    action = category.archive_review
    assert action.permissions == ("municipality: Review archive",)
    assert action.i18n_domain == "municipality"
    assert "@@archive-review" in action.url_expr
    assert setup_tool.listUpgrades("municipality.archive:default") == []


def test_archive_1003_indexes_the_confidence(portal, setup_tool):
    from municipality.archive.setuphandlers import get_archive

    catalog = portal.portal_catalog
    made = []
    with api.env.adopt_roles(["Manager"]):
        for number, confidence in (("1", 42.0), ("2", 90.0)):
            decision = api.content.create(
                container=get_archive(portal),
                type="HistoricalDecision",
                id=f"upgrade-{number}",
                number=number,
                year=1987,
            )
            decision.confidence = confidence
            decision.reindexObject()
            made.append(decision)
    decision = made[0]
    catalog.delIndex("archive_confidence_rank")
    setup_tool.setLastVersionForProfile("municipality.archive:default", "1002")

    _upgrade(setup_tool, "municipality.archive:default")

    assert "archive_confidence_rank" in catalog.indexes()
    found = catalog.unrestrictedSearchResults(
        archive_confidence_rank={"query": 50.0, "range": "max"}
    )
    assert [b.UID for b in found] == [decision.UID()]
    assert setup_tool.listUpgrades("municipality.archive:default") == []


def test_archive_1004_one_subject_word_for_its_forms(portal, setup_tool):
    from municipality.archive.setuphandlers import get_archive
    from types import SimpleNamespace

    catalog = portal.portal_catalog
    with api.env.adopt_roles(["Manager"]):
        decision = api.content.create(
            container=get_archive(portal),
            type="HistoricalDecision",
            id="upgrade-stems",
            number="7",
            year=1987,
        )
        decision.subject = "Ψήφιση του προϋπολογισμού"
        decision.reindexObject()
    index = catalog._catalog.getIndex("archive_subject_terms")
    (brain,) = catalog.unrestrictedSearchResults(UID=decision.UID())
    rid = brain.getRID()
    # What the index held before 1004: the words folded, not stemmed.
    index.unindex_object(rid)
    index.index_object(
        rid, SimpleNamespace(archive_subject_terms=["ψηφιση", "προυπολογισμου"])
    )
    assert list(index.uniqueValues()) == ["προυπολογισμου", "ψηφιση"]
    setup_tool.setLastVersionForProfile("municipality.archive:default", "1003")

    _upgrade(setup_tool, "municipality.archive:default")

    assert sorted(index.uniqueValues()) == ["προυπολογισμ", "ψηφισ"]
    found = catalog.unrestrictedSearchResults(archive_subject_terms="προυπολογισμ")
    assert [b.UID for b in found] == [decision.UID()]
    assert setup_tool.listUpgrades("municipality.archive:default") == []
