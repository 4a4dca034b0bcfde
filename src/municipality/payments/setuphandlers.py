"""Install and uninstall handlers of ``municipality.payments``."""

from plone import api


def post_install(context):
    """After the profile: the ledger and the municipal-tax folder."""
    from municipality.payments import ledger
    from municipality.payments import tax

    site = api.portal.get()
    ledger.install(site)
    tax.install(site)


def uninstall(context):
    """Remove what install made; payments already recorded stay in the ledger."""
    from municipality.payments import tax

    tax.uninstall(api.portal.get())
