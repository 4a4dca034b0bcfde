"""TaxisNet (GSIS) login."""


def install_plugin(portal):
    """Add the TaxisNet PAS plugin to the site's acl_users (once)."""


def uninstall_plugin(portal):
    """Remove the TaxisNet PAS plugin."""
