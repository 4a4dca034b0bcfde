"""The demo PKI of `make start`: a demo CA and a certificate per demo employee."""


def create_demo_signing(site):
    """Create the demo CA and give each demo employee a signing credential."""
