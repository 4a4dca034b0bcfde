"""Install and uninstall handlers of ``municipality.certificates``."""


def post_install(context):
    """Set up what the profile's XML cannot."""


def uninstall(context):
    """Remove what post_install set up."""
