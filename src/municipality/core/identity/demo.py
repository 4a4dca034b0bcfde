"""Demo identities: profile data and verification records of the demo users.

Every demo user gets a valid ΑΦΜ (check digit right), a phone and an
address; ``verified`` and ``verified-business`` are verified in person by
``protocol`` (a protocol clerk), so the records match the groups the demo
users were put in. Safe to run twice.
"""

from municipality import logger
from municipality.core.identity import verification
from plone import api


# user id -> (ΑΦΜ, father's name, phone, street, postal code, city)
DEMO_PROFILES = {
    "citizen": ("094259216", "Ιωάννης", "6912345678", "Ερμού 25", "10563", "Αθήνα"),
    "verified": (
        "123456783",
        "Κωνσταντίνος",
        "6987654321",
        "Πατησίων 100",
        "11257",
        "Αθήνα",
    ),
    "business": (
        "099999999",
        "",
        "2101234567",
        "Πλατεία Αγοράς 3",
        "54623",
        "Θεσσαλονίκη",
    ),
    "verified-business": (
        "800000002",
        "",
        "2310123456",
        "Τσιμισκή 40",
        "54623",
        "Θεσσαλονίκη",
    ),
    "employee": ("100000003", "Γεώργιος", "2101111111", "Αθηνάς 63", "10552", "Αθήνα"),
    "revenue": ("100000015", "Αντώνιος", "2101111112", "Αθηνάς 63", "10552", "Αθήνα"),
    "protocol": ("100000027", "Ιωάννης", "2101111113", "Αθηνάς 63", "10552", "Αθήνα"),
    "secretariat": (
        "100000039",
        "Βασίλειος",
        "2101111114",
        "Αθηνάς 63",
        "10552",
        "Αθήνα",
    ),
    "legal": ("100000040", "Αλέξιος", "2101111115", "Αθηνάς 63", "10552", "Αθήνα"),
    "personnel": (
        "100000052",
        "Δημήτριος",
        "2101111116",
        "Αθηνάς 63",
        "10552",
        "Αθήνα",
    ),
    "supervisor": ("100000064", "Μιχαήλ", "2101111117", "Αθηνάς 63", "10552", "Αθήνα"),
}

CLERK = "protocol"

# The legal representative of «verified-business».
REPRESENTATIVE = ("Κωνσταντίνος Κωνσταντίνου", "152637480")


def create_demo_identities(site):
    """Give the demo users their ΑΦΜ, phone, address and verification records."""
    for userid, (
        afm,
        fathername,
        phone,
        street,
        postal_code,
        city,
    ) in DEMO_PROFILES.items():
        user = api.user.get(userid=userid)
        if user is None:
            continue
        user.setMemberProperties(
            {
                "afm": afm,
                "fathername": fathername,
                "phone": phone,
                "street": street,
                "postal_code": postal_code,
                "city": city,
            }
        )
    if api.user.get(userid=CLERK) is None:
        return
    if api.user.get(userid="verified") is not None and not verification.history(
        "verified"
    ):
        verification.verify_citizen(
            "verified", "identity_card", CLERK, document_digits="4821"
        )
    if api.user.get(userid="verified-business") is not None and not (
        verification.history("verified-business")
    ):
        name, afm = REPRESENTATIVE
        verification.verify_business(
            "verified-business",
            name,
            afm,
            "legal_representative",
            "gemi_certificate",
            CLERK,
        )
    logger.info("Demo identities ready")
