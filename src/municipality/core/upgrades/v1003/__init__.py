"""1003: identity — TaxisNet login, profile fields, in-person verification."""

from plone import api


def install_identity(context):
    """Add the TaxisNet PAS plugin and what verification needs."""
    from municipality.core.identity import setup

    setup.install(api.portal.get())
