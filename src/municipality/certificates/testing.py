"""Helpers for tests of the certificates add-on: people and applications.

Used by the tests of applications and of issuing alike.
"""

from plone import api

import hashlib


# The password of the users made here (test accounts only).
PASSWORD = "secret-Pa55word"  # noqa: S105

# Valid by their check digit (greek-domain.md §7).
AFM_MARIA = "094259216"
AFM_NIKOS = "090000045"

# The finance simulator's demo properties (simulators/systems/finance.py).
SUPPLY_WITHOUT_DEBTS = "100000001"
SUPPLY_WITH_DEBTS = "100000002"

CIVIL_REGISTRY = {
    "kind": "civil_registry",
    "certificate_type": "family_status",
    "purpose": "Για την εγγραφή του παιδιού μου στο σχολείο.",
    "delivery": "download",
}

TAP = {
    "kind": "tap",
    "property_address": "Ερμού 10",
    "property_supply_number": SUPPLY_WITHOUT_DEBTS,
    "property_area": 85,
    "property_municipal_unit": "Κέντρου",
    "purpose": "Για τη μεταβίβαση του ακινήτου (συμβολαιογράφος).",
    "delivery": "download",
}


def _create_user(user_id, fullname, email, password, properties):
    props = {"fullname": fullname or user_id.title()}
    props.update({k: v for k, v in (properties or {}).items() if v is not None})
    with api.env.adopt_roles(["Manager"]):
        user = api.user.create(
            username=user_id,
            email=email or f"{user_id}@example.gr",
            password=password,
            properties={"fullname": props.pop("fullname")},
        )
        # Properties the member schema may not declare yet (afm, fathername)
        # are kept by the property sheet all the same.
        for name, value in props.items():
            try:
                user.setMemberProperties({name: value})
            except (KeyError, ValueError, AttributeError):
                pass
        api.group.add_user(groupname="citizens", username=user_id)
    return user


def create_citizen(user_id, fullname=None, email=None, password=PASSWORD, **properties):
    """A registered citizen who is **not** verified."""
    return _create_user(user_id, fullname, email, password, properties)


def afm_for(user_id):
    """A valid ΑΦΜ of its own for each test user (check digit computed)."""
    known = {"maria": AFM_MARIA, "nikos": AFM_NIKOS}
    if user_id in known:
        return known[user_id]
    digits = f"{int(hashlib.sha256(user_id.encode()).hexdigest(), 16) % 10**8:08d}"
    total = sum(int(d) * 2 ** (8 - i) for i, d in enumerate(digits))
    return digits + str(total % 11 % 10)


def create_verified_citizen(
    user_id,
    fullname=None,
    email=None,
    password=PASSWORD,
    afm=None,
    fathername="Γεώργιος",
    **properties,
):
    """A citizen verified in person, as staff do it (a real verification
    record, hence a verified identity, and the «verified-citizens» group)."""
    from municipality.core.identity import verification

    user = _create_user(
        user_id,
        fullname,
        email,
        password,
        {"afm": afm or afm_for(user_id), "fathername": fathername, **properties},
    )
    with api.env.adopt_roles(["Manager"]):
        verification.verify_citizen(user_id, "identity_card", "identity-clerk")
    return user


def create_clerk(user_id, group="protocol-clerks", fullname=None, email=None):
    """An employee who handles applications (by default a protocol clerk)."""
    user = _create_user(user_id, fullname, email, PASSWORD, {})
    with api.env.adopt_roles(["Manager"]):
        api.group.add_user(groupname=group, username=user_id)
        api.group.add_user(groupname="employees", username=user_id)
    return user


def certificates_folder():
    return api.portal.get()["certificates"]


def create_application(user_id, **data):
    """An application submitted through the api as ``user_id``.

    ``data`` overrides :data:`CIVIL_REGISTRY` (or, with ``kind="tap"``,
    :data:`TAP`).
    """
    from municipality.certificates import api as certificates

    base = TAP if data.get("kind") == "tap" else CIVIL_REGISTRY
    member = api.user.get(userid=user_id)
    return certificates.submit(certificates_folder(), member, {**base, **data})


def transition(obj, name, user_id=None, comment=""):
    """Do a workflow transition as ``user_id`` (default: a Manager)."""
    workflow = api.portal.get_tool("portal_workflow")
    if user_id is None:
        with api.env.adopt_roles(["Manager"]):
            workflow.doActionFor(obj, name, comment=comment)
    else:
        with api.env.adopt_user(username=user_id):
            workflow.doActionFor(obj, name, comment=comment)
    return obj
