"""Demo identities: profile data and verification records of the demo users."""


def create_demo_identities(site):
    """Give the demo users their ΑΦΜ, phone, address and verification records."""
