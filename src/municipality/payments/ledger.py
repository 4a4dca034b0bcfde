"""The payments ledger (to be written)."""


def install(site):
    """Create the ledger's storage on the site (idempotent)."""
