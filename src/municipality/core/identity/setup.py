"""Set-up of the identity parts, called by core's post_install and upgrade 1003."""


def install(portal):
    """Install the TaxisNet PAS plugin and what verification needs; idempotent."""
    from municipality.core.identity import taxisnet
    from municipality.core.identity import verification

    taxisnet.install_plugin(portal)
    verification.install(portal)


def uninstall(portal):
    """Remove the TaxisNet PAS plugin (the users and their records stay)."""
    from municipality.core.identity import taxisnet

    taxisnet.uninstall_plugin(portal)
