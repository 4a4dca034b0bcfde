"""In-person verification of citizens and businesses, with its history.

A protocol clerk (anyone with ``municipality: Verify identity``) checks a
person's identity document at the office and records it here; a business is
verified through its legal representative. Verifying puts the account in
``verified-citizens`` or ``verified-businesses`` (which carry the roles of
``core/roles.py``); revoking takes it out again.

Every verification and revocation is a record appended to the account's
history, kept in the site's annotations (never a scan of a document: its
kind and at most the last characters of its number). An account has at most
one active verification, of one kind; to change kind or to correct the ΑΦΜ,
staff revoke first. The verification is bound to the ΑΦΜ the person had
when verified: if the profile's ΑΦΜ changes by any route, the person is no
longer verified (:func:`is_verified`) until verified again.

When a user is deleted, their history moves to an archive under their id
(staff still see it), so that an account created later with the same id
starts unverified and does not see a stranger's history.

The functions below are the API for other parts of the platform; the views
and the REST service (``verification_views.py``, ``verification_rest.py``)
check the permission and call them.
"""

from BTrees.OOBTree import OOBTree
from datetime import datetime
from datetime import UTC
from municipality import _
from municipality import logger
from municipality.core.identity.validators import InvalidAFM
from municipality.core.identity.validators import InvalidName
from municipality.core.identity.validators import normalize_afm
from municipality.core.identity.validators import normalize_name
from persistent import Persistent
from persistent.list import PersistentList
from plone import api
from zope.annotation.interfaces import IAnnotations

import re


ANNOTATION_KEY = "municipality.identity.verification"

PERMISSION = "municipality: Verify identity"

CITIZEN = "citizen"
BUSINESS = "business"

# Kind of verification -> the group it puts the account in.
GROUPS = {
    CITIZEN: "verified-citizens",
    BUSINESS: "verified-businesses",
}

# Identity documents seen at the office (key -> title).
DOCUMENT_KINDS = {
    "identity_card": _("Police identity card"),
    "passport": _("Passport"),
    "eu_identity_card": _("Identity card of an EU member state"),
    "residence_permit": _("Residence permit"),
    "driving_licence": _("Driving licence"),
}

# Capacities in which a person represents a business.
CAPACITIES = {
    "legal_representative": _("Legal representative"),
    "administrator": _("Administrator (διαχειριστής)"),
    "managing_director": _("Managing director"),
    "sole_proprietor": _("Sole proprietor"),
    "authorised_person": _("Authorised person"),
}

# Documents that prove the representation.
REPRESENTATION_DOCUMENTS = {
    "gemi_certificate": _("Certificate of representation from ΓΕΜΗ"),
    "articles": _("Articles of association and their amendments"),
    "board_minutes": _("Minutes of the board appointing the representative"),
    "power_of_attorney": _("Power of attorney or authorisation (certified)"),
    "tax_registration": _("Tax registration certificate (sole proprietor)"),
}

MAX_NOTE = 500
MIN_REASON = 5
# The most of a document's number kept: its last characters.
DOCUMENT_DIGITS = re.compile(r"^[A-Z0-9]{1,4}$")


class VerificationError(ValueError):
    """Bad input: ``message`` (a msgid) says what, ``field`` which input."""

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class VerificationStorage(Persistent):
    """The records of every account, and those of deleted accounts."""

    def __init__(self):
        # user id -> PersistentList of records (dicts), oldest first
        self.records = OOBTree()
        # user id -> PersistentList of {"deleted_at", "records"}
        self.archive = OOBTree()


def _storage(create=False):
    annotations = IAnnotations(api.portal.get())
    storage = annotations.get(ANNOTATION_KEY)
    if storage is None and create:
        storage = annotations[ANNOTATION_KEY] = VerificationStorage()
    return storage


def _records(userid):
    storage = _storage()
    if storage is None:
        return ()
    return tuple(storage.records.get(userid, ()))


def _append(userid, record):
    storage = _storage(create=True)
    if userid not in storage.records:
        storage.records[userid] = PersistentList()
    storage.records[userid].append(record)
    return record


def _now():
    return datetime.now(UTC)


def _user(userid):
    user = api.user.get(userid=userid) if userid else None
    if user is None:
        raise VerificationError(_("There is no user with this id."), "userid")
    return user


def _fullname(userid):
    user = api.user.get(userid=userid) if userid else None
    if user is None:
        return userid or ""
    return user.getProperty("fullname", "") or userid


def _profile_afm(user):
    return (user.getProperty("afm", "") or "").strip()


def _active(records):
    """The verify record in force at the end of ``records``, or None."""
    active = None
    for record in records:
        if record["action"] == "verify":
            active = record
        else:
            active = None
    return active


def _check_actor(userid, actor):
    if not actor:
        raise VerificationError(_("Who verifies must be known."), "actor")
    if actor == userid:
        raise VerificationError(
            _("Nobody may verify or revoke their own account."), "userid"
        )


def _check_choice(value, choices, field, message):
    if value not in choices:
        raise VerificationError(message, field)
    return value


def _check_note(note):
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise VerificationError(_("The note may have at most 500 characters."), "note")
    return note


def _check_afm_for(user, kind):
    """The account's valid ΑΦΜ, not actively verified for another account."""
    try:
        afm = normalize_afm(_profile_afm(user))
    except InvalidAFM:
        message = (
            _(
                "The person has no valid tax number (AFM) in their profile. "
                "Ask them to add it (Personal information) and check it against "
                "their document."
            )
            if kind == CITIZEN
            else _(
                "The business account has no valid tax number (AFM) in its "
                "profile. Add the business's AFM to the account first."
            )
        )
        raise VerificationError(message, "afm") from None
    for other in verified_with_afm(afm):
        if other != user.getId():
            raise VerificationError(
                _(
                    "Another account is already verified with this tax number "
                    "(AFM). Revoke that verification first."
                ),
                "afm",
            )
    return afm


def _check_not_active(userid):
    if _active(_records(userid)) is not None:
        raise VerificationError(
            _("The account is already verified. Revoke the verification first."),
            "userid",
        )


def _add_to_group(kind, userid):
    group = GROUPS[kind]
    if group not in _group_ids(userid):
        api.group.add_user(groupname=group, username=userid)


def _group_ids(userid):
    return {group.getId() for group in api.group.get_groups(username=userid)}


# ---------------------------------------------------------------------------
# API


def verify_citizen(userid, document_kind, actor, note="", document_digits=""):
    """Record that ``actor`` checked ``userid``'s identity in person.

    :param userid: the citizen's user id; their profile must hold a valid ΑΦΜ.
    :param document_kind: a key of :data:`DOCUMENT_KINDS` (the document seen).
    :param actor: the user id of the employee who checked it.
    :param note: optional, staff only (never shown to the citizen).
    :param document_digits: optional, at most the last 4 characters of the
        document's number.
    :returns: the record (a dict).
    :raises VerificationError: on bad input; nothing is changed then.
    """
    user = _user(userid)
    _check_actor(userid, actor)
    _check_choice(
        document_kind,
        DOCUMENT_KINDS,
        "document_kind",
        _("Choose the kind of identity document you saw."),
    )
    document_digits = (document_digits or "").strip().upper()
    if document_digits and not DOCUMENT_DIGITS.match(document_digits):
        raise VerificationError(
            _(
                "Keep at most the last 4 letters or digits of the document's "
                "number, or nothing."
            ),
            "document_digits",
        )
    note = _check_note(note)
    _check_not_active(userid)
    afm = _check_afm_for(user, CITIZEN)
    record = _append(
        userid,
        {
            "action": "verify",
            "kind": CITIZEN,
            "at": _now(),
            "actor": actor,
            "actor_name": _fullname(actor),
            "afm": afm,
            "fullname": user.getProperty("fullname", "") or "",
            "document_kind": document_kind,
            "document_digits": document_digits,
            "note": note,
        },
    )
    _add_to_group(CITIZEN, userid)
    logger.info("Identity of %s verified in person by %s", userid, actor)
    return dict(record)


def verify_business(
    userid,
    representative_name,
    representative_afm,
    capacity,
    document,
    actor,
    note="",
):
    """Record that ``actor`` verified the business account ``userid``.

    :param userid: the business's account; its profile ΑΦΜ (the business's
        own) must be valid.
    :param representative_name: who represented the business at the office.
    :param representative_afm: the representative's own ΑΦΜ (valid).
    :param capacity: a key of :data:`CAPACITIES`.
    :param document: a key of :data:`REPRESENTATION_DOCUMENTS`, the document
        of representation seen.
    :param actor: the user id of the employee.
    :param note: optional, staff only.
    :returns: the record (a dict).
    :raises VerificationError: on bad input; nothing is changed then.
    """
    user = _user(userid)
    _check_actor(userid, actor)
    try:
        representative_name = normalize_name(representative_name)
    except InvalidName:
        raise VerificationError(
            _("Enter the representative's full name."), "representative_name"
        ) from None
    try:
        representative_afm = normalize_afm(representative_afm)
    except InvalidAFM:
        raise VerificationError(
            _("The representative's tax number (AFM) is not valid."),
            "representative_afm",
        ) from None
    _check_choice(
        capacity,
        CAPACITIES,
        "capacity",
        _("Choose the capacity in which the representative acts."),
    )
    _check_choice(
        document,
        REPRESENTATION_DOCUMENTS,
        "document",
        _("Choose the document of representation you saw."),
    )
    note = _check_note(note)
    _check_not_active(userid)
    afm = _check_afm_for(user, BUSINESS)
    record = _append(
        userid,
        {
            "action": "verify",
            "kind": BUSINESS,
            "at": _now(),
            "actor": actor,
            "actor_name": _fullname(actor),
            "afm": afm,
            "fullname": user.getProperty("fullname", "") or "",
            "representative_name": representative_name,
            "representative_afm": representative_afm,
            "capacity": capacity,
            "document": document,
            "note": note,
        },
    )
    _add_to_group(BUSINESS, userid)
    logger.info("Business %s verified by %s", userid, actor)
    return dict(record)


def revoke(userid, reason, actor):
    """Revoke the verification of ``userid``, for ``reason``.

    Revokes the active verification, or, without one, a membership of a
    verified group given another way (by hand, or an older record): the
    account leaves the group either way.

    :raises VerificationError: no verification to revoke, no reason, …
    :returns: the record (a dict).
    """
    _user(userid)
    _check_actor(userid, actor)
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON or len(reason) > MAX_NOTE:
        raise VerificationError(
            _("Give the reason for the revocation (5 to 500 characters)."), "reason"
        )
    active = _active(_records(userid))
    groups = _group_ids(userid)
    if active is not None:
        kinds = [active["kind"]]
    else:
        kinds = [kind for kind, group in GROUPS.items() if group in groups]
    if not kinds:
        raise VerificationError(_("The account is not verified."), "userid")
    record = _append(
        userid,
        {
            "action": "revoke",
            "kind": kinds[0],
            "at": _now(),
            "actor": actor,
            "actor_name": _fullname(actor),
            "reason": reason,
        },
    )
    for kind in kinds:
        if GROUPS[kind] in groups:
            api.group.remove_user(groupname=GROUPS[kind], username=userid)
    logger.info("Verification of %s revoked by %s", userid, actor)
    return dict(record)


def history(userid):
    """Every record of ``userid``, oldest first (copies: dicts)."""
    return [dict(record) for record in _records(userid)]


def archived_history(userid):
    """Histories of deleted accounts with ``userid``: ``deleted_at``, ``records``."""
    storage = _storage()
    if storage is None:
        return []
    return [
        {
            "deleted_at": entry["deleted_at"],
            "records": [dict(r) for r in entry["records"]],
        }
        for entry in storage.archive.get(userid, ())
    ]


def verification_status(userid):
    """Where ``userid`` stands now, as a dict.

    ``verified`` (bool), ``kind`` (``"citizen"``, ``"business"`` or None),
    ``verified_at`` (aware datetime, UTC), ``verified_by`` and
    ``verified_by_name``, ``afm`` (as verified), ``document_kind`` and
    ``document_digits`` (citizen), ``representative_name``,
    ``representative_afm``, ``capacity``, ``document`` (business),
    ``afm_changed`` (the profile's ΑΦΜ is no longer the verified one: not
    verified) and ``groups`` (the verified groups the account is in, however
    it got there).
    """
    user = api.user.get(userid=userid) if userid else None
    active = _active(_records(userid)) if user is not None else None
    status = {
        "userid": userid,
        "verified": False,
        "kind": None,
        "verified_at": None,
        "verified_by": None,
        "verified_by_name": None,
        "afm": None,
        "document_kind": None,
        "document_digits": None,
        "representative_name": None,
        "representative_afm": None,
        "capacity": None,
        "document": None,
        "afm_changed": False,
        "groups": sorted(
            group for group in _group_ids(userid) if group in GROUPS.values()
        )
        if user is not None
        else [],
    }
    if active is None:
        return status
    afm_changed = _profile_afm(user) != active["afm"]
    status.update(
        verified=not afm_changed,
        kind=active["kind"],
        verified_at=active["at"],
        verified_by=active["actor"],
        verified_by_name=active.get("actor_name") or active["actor"],
        afm=active["afm"],
        afm_changed=afm_changed,
    )
    for key in (
        "document_kind",
        "document_digits",
        "representative_name",
        "representative_afm",
        "capacity",
        "document",
    ):
        status[key] = active.get(key)
    return status


def is_verified(userid):
    """True when ``userid`` has an active in-person verification (citizen or
    business) for the ΑΦΜ now in their profile."""
    if not userid:
        return False
    return verification_status(userid)["verified"]


def verified_with_afm(afm):
    """User ids whose active verification is for ``afm``."""
    storage = _storage()
    if storage is None or not afm:
        return []
    found = []
    for userid, records in storage.records.items():
        active = _active(records)
        if active is not None and active["afm"] == afm:
            found.append(userid)
    return found


def find_people(text, limit=30):
    """Users matching ``text`` in id, login, full name, email or ΑΦΜ.

    An ΑΦΜ (in any accepted spelling) is matched exactly; anything else
    through PAS's enumeration (substring).
    """
    text = (text or "").strip()
    if not text:
        return []
    acl_users = api.portal.get_tool("acl_users")
    found = {}
    try:
        afm = normalize_afm(text) if re.fullmatch(r"[\d\s\-.]{8,}", text) else None
    except InvalidAFM:
        afm = None
    if afm:
        for user in acl_users.searchUsers(afm=afm):
            found.setdefault(user["userid"], user)
        if not found:
            # Member properties are not always searchable (e.g. a plugin
            # without them): look through the members.
            for member in api.user.get_users():
                if _profile_afm(member) == afm:
                    found[member.getId()] = {"userid": member.getId()}
    for key in ("id", "login", "fullname", "email"):
        for user in acl_users.searchUsers(**{key: text}):
            if user.get("principal_type", "user") == "user":
                found.setdefault(user["userid"], user)
        if len(found) >= limit:
            break
    people = []
    for userid in list(found)[:limit]:
        user = api.user.get(userid=userid)
        if user is not None:
            people.append(user)
    return people


# ---------------------------------------------------------------------------
# Set-up


def archive_deleted_user(event):
    """A deleted account's history moves to the archive (IPrincipalDeletedEvent)."""
    userid = getattr(event, "principal", None)
    userid = getattr(userid, "getId", lambda: userid)()
    try:
        storage = _storage()
    except api.exc.CannotGetPortalError:
        return
    if storage is None or userid not in storage.records:
        return
    records = storage.records.pop(userid)
    if userid not in storage.archive:
        storage.archive[userid] = PersistentList()
    storage.archive[userid].append(
        {"deleted_at": _now(), "records": tuple(dict(r) for r in records)}
    )
    logger.info("Verification history of deleted user %s archived", userid)


def install(portal):
    """Member fields, the storage of the records and the user menu link; idempotent."""
    from municipality.core.identity.userdata import install_member_fields

    install_member_fields(portal)
    annotations = IAnnotations(portal)
    if ANNOTATION_KEY not in annotations:
        annotations[ANNOTATION_KEY] = VerificationStorage()
    _install_user_action(portal)


def upgrade(context):
    """Upgrade step: bring an existing site's identity parts up to date."""
    install(api.portal.get())


USER_ACTION = "my-verification"
USER_ACTION_TITLE = _("My verification")


def _install_user_action(portal):
    """«My verification» in the personal menu, after «Preferences»."""
    actions = portal.portal_actions
    category = actions.get("user")
    if category is None or USER_ACTION in category.objectIds():
        return
    from Products.CMFCore.ActionInformation import Action

    action = Action(
        USER_ACTION,
        title=str(USER_ACTION_TITLE),
        i18n_domain="municipality",
        url_expr="string:${globals_view/navigationRootUrl}/@@my-verification",
        available_expr="python:member is not None",
        permissions=("Set own properties",),
        visible=True,
    )
    category._setObject(USER_ACTION, action)
    ids = list(category.objectIds())
    if "preferences" in ids:
        category.moveObjectToPosition(USER_ACTION, ids.index("preferences") + 1)
