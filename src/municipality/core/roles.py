"""The people of a municipality's portal: roles, groups and permissions.

One source for the profile's set-up, the demo users and the tests. Roles carry
permissions (``profiles/default/rolemap.xml``); groups carry roles, so that an
administrator manages people by putting them in groups.
"""

from municipality import _


# Role id -> title. Staff roles always come with Employee through their group.
ROLES = {
    "Citizen": _("Registered citizen"),
    "VerifiedCitizen": _("Verified citizen"),
    "Business": _("Registered business"),
    "VerifiedBusiness": _("Verified business"),
    "Employee": _("Employee"),
    "RevenueOfficer": _("Revenue officer"),
    "ProtocolClerk": _("Protocol clerk"),
    "CouncilSecretary": _("Council secretariat"),
    "LegalOfficer": _("Legal office"),
    "HROfficer": _("Human resources"),
    "Supervisor": _("Supervisor"),
    "Archivist": _("Archivist"),
}

# Group id -> (title, description, roles granted site-wide).
GROUPS = {
    "citizens": (
        _("Citizens"),
        _("Everyone registered on the portal. New users join automatically."),
        ("Citizen",),
    ),
    "verified-citizens": (
        _("Verified citizens"),
        _("Citizens whose identity was checked in person or through TaxisNet."),
        ("Citizen", "VerifiedCitizen"),
    ),
    "businesses": (
        _("Businesses"),
        _("Businesses registered with their tax number (ΑΦΜ)."),
        ("Business",),
    ),
    "verified-businesses": (
        _("Verified businesses"),
        _("Businesses verified through their legal representative."),
        ("Business", "VerifiedBusiness"),
    ),
    "employees": (
        _("Employees"),
        _("Every member of the municipality's staff."),
        ("Employee",),
    ),
    "revenue-officers": (
        _("Revenue officers"),
        _("Staff of the revenue department: debts, payments, assessment notes."),
        ("Employee", "RevenueOfficer"),
    ),
    "protocol-clerks": (
        _("Protocol clerks"),
        _("Staff of the document protocol (registry) office."),
        ("Employee", "ProtocolClerk"),
    ),
    "council-secretariat": (
        _("Council secretariat"),
        _("Secretariat of the municipal council: meetings, decisions, minutes."),
        ("Employee", "CouncilSecretary"),
    ),
    "legal-office": (
        _("Legal office"),
        _("The municipality's lawyers: legal cases."),
        ("Employee", "LegalOfficer"),
    ),
    "hr": (
        _("Human resources"),
        _("Personnel department: staff records and leave."),
        ("Employee", "HROfficer"),
    ),
    "supervisors": (
        _("Supervisors"),
        _("Heads of department: approve leave, sign documents, assign work."),
        ("Employee", "Supervisor"),
    ),
    "archivists": (
        _("Archivists"),
        _(
            "Staff of the historical archive: ingest the digitized council "
            "decisions, review and publish them."
        ),
        ("Employee", "Archivist"),
    ),
}

# The group every new portal user joins.
DEFAULT_GROUP = "citizens"
