"""Who a verified person is, from a source they cannot edit themselves.

A person's profile (full name, ΑΦΜ, father's name) is theirs to edit under
«Προσωπικές πληροφορίες» and over plone.restapi's ``@users``. What the
municipality certifies about them — a certificate's applicant, a payment's
debtor — must come from what was verified instead:

1. the names and ΑΦΜ GSIS sent at the last TaxisNet login (the PAS plugin's
   record), or
2. the full name and ΑΦΜ recorded by the in-person verification in force.

The father's name comes from GSIS when it sent one, else from the profile
(the in-person check does not record it).
"""

from plone import api


def verified_identity(userid):
    """``{"fullname", "afm", "fathername", "source"}`` or ``None``.

    ``source`` is ``"taxisnet"`` or ``"in_person"``; ``None`` when the
    account is not verified by either way.
    """
    from municipality.core.identity import taxisnet
    from municipality.core.identity import verification

    if not userid:
        return None
    user = api.user.get(userid=userid)
    if user is None:
        return None
    profile_fathername = (user.getProperty("fathername", "") or "").strip()
    groups = {group.getId() for group in api.group.get_groups(user=user)}
    plugin = taxisnet.get_plugin(api.portal.get())
    record = plugin.record(userid) if plugin is not None else None
    if record and record.get("afm") and "verified-citizens" in groups:
        fullname = " ".join(
            part for part in (record.get("firstname"), record.get("lastname")) if part
        )
        return {
            "fullname": fullname or user.getProperty("fullname", ""),
            "afm": record["afm"],
            "fathername": record.get("fathername") or profile_fathername,
            "source": "taxisnet",
        }
    status = verification.verification_status(userid)
    if status["verified"]:
        active = [r for r in verification.history(userid) if r["action"] == "verify"]
        last = active[-1] if active else {}
        return {
            "fullname": last.get("fullname") or user.getProperty("fullname", ""),
            "afm": status.get("afm") or last.get("afm", ""),
            "fathername": profile_fathername,
            "source": "in_person",
        }
    return None
