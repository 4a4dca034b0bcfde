"""In-person verification of citizens and businesses."""


def install(portal):
    """Set up what verification needs (once)."""
