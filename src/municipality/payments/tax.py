"""The municipal tax: declarations and their computation (to be written)."""


def install(site):
    """Create the /municipal-tax folder (idempotent)."""


def uninstall(site):
    """Remove what install made (declarations are kept)."""
