"""Businesses for the municipal-tax and payment-order tests.

A verified business is verified as the staff do it
(``verification.verify_business``: a real record, hence a verified
identity and the «verified-businesses» group); its ΑΦΜ is fresh and valid
unless one is given (``800000002`` has payment orders and municipal-tax
debts at the finance simulator).
"""

from municipality.certificates.testing import afm_for
from municipality.certificates.testing import PASSWORD
from plone import api

import uuid


__all__ = ["PASSWORD", "SEEDED_AFM", "create_business", "fresh_afm"]

# The finance simulator's demo business (Αρτοποιία Κωνσταντίνου Α.Ε.).
SEEDED_AFM = "800000002"


def fresh_afm():
    return afm_for(f"business-{uuid.uuid4().hex}")


def create_business(
    userid=None,
    name="Ταβέρνα Το Λιμάνι Ο.Ε.",
    afm=None,
    email=None,
    verified=True,
    group="businesses",
):
    """A business account; verified in person unless ``verified=False``.

    :returns: ``(userid, afm)``.
    """
    from municipality.core.identity import verification

    userid = userid or f"b{uuid.uuid4().hex[:10]}"
    afm = afm or fresh_afm()
    with api.env.adopt_roles(["Manager"]):
        user = api.user.create(
            username=userid,
            email=email or f"{userid}@example.gr",
            password=PASSWORD,
            properties={"fullname": name},
        )
        user.setMemberProperties({"afm": afm})
        if group:
            api.group.add_user(groupname=group, username=userid)
        if verified:
            verification.verify_business(
                userid,
                "Ιωάννης Παπαδάκης",
                afm_for(f"rep-{userid}"),
                "legal_representative",
                "gemi_certificate",
                "clerk",
            )
    return userid, afm
