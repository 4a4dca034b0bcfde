"""TaxisNet (GSIS) login: the PAS plugin that knows the taxpayers.

The views (``taxisnet_views.py``) run the OAuth2 dance with GSIS through
:class:`municipality.integrations.taxisnet.TaxisNetClient`; once GSIS has
said who the person is, :func:`login_taxpayer` finds or creates the portal
account and the view starts a plone.session session for it.

The plugin keeps, persistently,

* ``ΑΦΜ → user id`` (an ``OOBTree``): whose account a taxpayer logs in to;
* per user id the last userinfo GSIS gave (names, father's and mother's
  names, year of birth), refreshed at every login, and whether the account
  was created by TaxisNet (``own``) or is a local account linked to it.

Accounts created by TaxisNet live in the plugin, as pas.plugins.authomatic
and pas.plugins.oidc keep theirs: they have no password, so the only way
into them is TaxisNet. The plugin therefore implements

* ``IUserEnumerationPlugin``: plone.session accepts a session cookie only
  for a user some enumerator knows (``_verifyUser``), and Plone's user and
  group searches list them (by id, login, name or ΑΦΜ);
* ``IPropertiesPlugin``: the ΑΦΜ and names from GSIS as the user's
  properties (``fullname``, ``afm``, ``taxisnet_*``), for linked local
  accounts too; ``fullname`` and ``afm`` are also written to the member
  data at each login, so profile forms and searches on member data agree;
* ``IUserIntrospection`` (PlonePAS): listings of all members include them;
* ``IUserManagement`` (PlonePAS): deleting such a user in Site Setup
  removes its record; there is no password to change.

It has no ``IAuthenticationPlugin``/``IExtractionPlugin``: credentials are
plone.session's cookie, checked by plone.session itself.

Matching (the account take-over rule): a taxpayer is matched to

1. the account already linked to their ΑΦΜ; else
2. an existing local account whose profile ΑΦΜ is theirs **and** that staff
   verified in person for that ΑΦΜ (``verification.is_verified``), which
   gets linked; else
3. a new account (``gsis-`` + random hex), in ``citizens`` and
   ``verified-citizens``.

A local account whose ΑΦΜ was only typed in by its owner is never matched:
anyone can type anyone's ΑΦΜ, and matching on it would hand the account to
whoever logs in with that ΑΦΜ, or hand the taxpayer's verified status to
whoever typed it.
"""

from AccessControl import ClassSecurityInfo
from AccessControl.class_init import InitializeClass
from BTrees.OOBTree import OOBTree
from datetime import datetime
from datetime import UTC
from municipality import logger
from municipality.core.interfaces import ITaxisNetSettings
from plone.registry.interfaces import IRegistry
from Products.PlonePAS.interfaces.plugins import IUserIntrospection
from Products.PlonePAS.interfaces.plugins import IUserManagement
from Products.PluggableAuthService.events import PrincipalCreated
from Products.PluggableAuthService.interfaces.plugins import IPropertiesPlugin
from Products.PluggableAuthService.interfaces.plugins import IUserEnumerationPlugin
from Products.PluggableAuthService.plugins.BasePlugin import BasePlugin
from Products.PluggableAuthService.UserPropertySheet import UserPropertySheet
from zope.component import getUtility
from zope.event import notify
from zope.interface import implementer

import secrets


PLUGIN_ID = "taxisnet"
META_TYPE = "Municipality TaxisNet Plugin"
USERID_PREFIX = "gsis-"
CITIZENS = "citizens"
VERIFIED_CITIZENS = "verified-citizens"
# The interfaces the plugin is activated for, in acl_users.plugins.
ACTIVE_INTERFACES = (
    IUserEnumerationPlugin,
    IPropertiesPlugin,
    IUserIntrospection,
    IUserManagement,
)
NAME_FIELDS = ("lastname", "firstname", "fathername", "mothername", "birthyear")
SEARCH_KEYS = frozenset({"fullname", "title", "name", "afm"})


class AmbiguousTaxpayer(Exception):
    """More than one verified account has the taxpayer's ΑΦΜ: staff must sort it."""

    def __init__(self, afm, userids):
        super().__init__(f"ΑΦΜ {afm} is verified on {len(userids)} accounts")
        self.afm = afm
        self.userids = userids


def _now():
    return datetime.now(UTC).isoformat(timespec="seconds")


def _fullname(record):
    return f"{record.get('firstname', '')} {record.get('lastname', '')}".strip()


@implementer(*ACTIVE_INTERFACES)
class TaxisNetPlugin(BasePlugin):
    """Taxpayers who logged in through TaxisNet (GSIS)."""

    meta_type = META_TYPE
    security = ClassSecurityInfo()

    def __init__(self, id=PLUGIN_ID, title="TaxisNet (GSIS) login"):
        self._setId(id)
        self.title = title
        self._by_afm = OOBTree()  # ΑΦΜ -> user id
        self._users = OOBTree()  # user id -> dict (replaced whole on change)

    # The plugin's own API (private: for the views and the setup code)

    @security.private
    def userid_for(self, afm):
        """The user id linked to ``afm``, or ``None``."""
        return self._by_afm.get(afm)

    @security.private
    def record(self, userid):
        """A copy of what the plugin knows of ``userid``, or ``None``."""
        record = self._users.get(userid)
        return None if record is None else dict(record)

    @security.private
    def remember(self, userid, user, own):
        """Link ``user`` (a ``TaxisNetUser``) to ``userid`` and store its names.

        A ΑΦΜ is linked to one account only; an account to one ΑΦΜ: an
        older link of either is dropped.
        """
        old = self._users.get(userid)
        if old is not None and old["afm"] != user.taxid:
            if self._by_afm.get(old["afm"]) == userid:
                del self._by_afm[old["afm"]]
        previous = self._by_afm.get(user.taxid)
        if previous is not None and previous != userid:
            self._users.pop(previous, None)
        record = {
            "afm": user.taxid,
            "gsis_userid": user.userid,
            "own": bool(old["own"]) if old is not None else bool(own),
            "linked": old["linked"] if old is not None else _now(),
            "last_login": _now(),
        }
        for name in NAME_FIELDS:
            record[name] = getattr(user, name)
        self._users[userid] = record
        self._by_afm[user.taxid] = userid
        return record

    @security.private
    def forget(self, userid):
        """Drop ``userid``'s record and ΑΦΜ link; True if there was one."""
        record = self._users.pop(userid, None)
        if record is None:
            return False
        if self._by_afm.get(record["afm"]) == userid:
            del self._by_afm[record["afm"]]
        return True

    @security.private
    def own_userids(self):
        """The ids of the accounts TaxisNet created."""
        return [userid for userid, record in self._users.items() if record["own"]]

    # IUserEnumerationPlugin

    @security.private
    def enumerateUsers(
        self,
        id=None,
        login=None,
        exact_match=False,
        sort_by=None,
        max_results=None,
        **kw,
    ):
        """Find the accounts TaxisNet created, by id, login, name or ΑΦΜ.

        Linked local accounts are enumerated by their own source; listing
        them here too would show them twice.
        """
        criteria = {key: value for key, value in kw.items() if value}
        if set(criteria) - SEARCH_KEYS:
            # Asked by e-mail or another property we do not hold.
            return ()
        wanted = []
        for value in (id, login):
            if isinstance(value, list | tuple):
                wanted.extend(value)
            elif value:
                wanted.append(value)
        if exact_match and wanted:
            candidates = [
                (userid, self._users[userid])
                for userid in dict.fromkeys(wanted)
                if isinstance(userid, str)
                and userid in self._users
                and self._users[userid]["own"]
            ]
        else:
            candidates = [
                (userid, record)
                for userid, record in self._users.items()
                if record["own"]
            ]
        plugin_id = self.getId()
        found = []
        for userid, record in candidates:
            if not exact_match and wanted:
                if not any(str(text).lower() in userid.lower() for text in wanted):
                    continue
            if not self._matches(record, criteria, exact_match):
                continue
            fullname = _fullname(record)
            found.append(
                {
                    "id": userid,
                    "login": userid,
                    "pluginid": plugin_id,
                    "title": fullname or userid,
                    "description": fullname,
                    "editurl": "",
                }
            )
        if sort_by in ("id", "login"):
            found.sort(key=lambda info: info["id"])
        elif sort_by in ("fullname", "title"):
            found.sort(key=lambda info: info["title"])
        if max_results:
            found = found[:max_results]
        return tuple(found)

    def _matches(self, record, criteria, exact_match):
        for key, value in criteria.items():
            have = record["afm"] if key == "afm" else _fullname(record)
            value = str(value).strip()
            if exact_match:
                if have.lower() != value.lower():
                    return False
            elif value.lower() not in have.lower():
                return False
        return True

    @security.private
    def updateUser(self, user_id, login_name):
        """Logins are the user ids: nothing to update."""
        return False

    @security.private
    def updateEveryLoginName(self, quit_on_first_error=True):
        """Logins are the user ids: nothing to update."""

    # IPropertiesPlugin

    @security.private
    def getPropertiesForUser(self, user, request=None):
        """The ΑΦΜ and names from GSIS, for every account TaxisNet knows."""
        record = self._users.get(user.getId())
        if record is None:
            return {}
        data = {
            "fullname": _fullname(record),
            "afm": record["afm"],
            "taxisnet_userid": record.get("gsis_userid", ""),
            "taxisnet_last_login": record.get("last_login", ""),
        }
        for name in NAME_FIELDS:
            data[f"taxisnet_{name}"] = record.get(name, "")
        return UserPropertySheet(self.getId(), **data)

    # IUserIntrospection

    @security.private
    def getUserIds(self):
        """The ids of the accounts TaxisNet created."""
        return self.own_userids()

    @security.private
    def getUserNames(self):
        """Their logins, which are their ids."""
        return self.own_userids()

    @security.private
    def getUsers(self):
        """The accounts TaxisNet created, as PAS users."""
        pas = self._getPAS()
        users = (pas.getUserById(userid) for userid in self.own_userids())
        return [user for user in users if user is not None]

    # IUserManagement

    @security.private
    def doAddUser(self, login, password):
        """Accounts are made by TaxisNet logins only."""
        return False

    @security.private
    def doChangeUser(self, user_id, password, **kw):
        """TaxisNet accounts have no password."""
        raise RuntimeError(f"{user_id} logs in through TaxisNet: no password")

    @security.private
    def doDeleteUser(self, user_id):
        """Delete an account TaxisNet created; forget a linked one's link.

        Raises ``KeyError`` for accounts that are not this plugin's to
        delete (PAS then asks the next plugin), after dropping any link.
        """
        record = self._users.get(user_id)
        if record is None:
            raise KeyError(user_id)
        self.forget(user_id)
        if not record["own"]:
            raise KeyError(user_id)
        return True


InitializeClass(TaxisNetPlugin)


# Set-up


def get_plugin(portal):
    """The site's TaxisNet plugin, or ``None`` when it is not installed."""
    plugin = portal.acl_users.get(PLUGIN_ID) if portal is not None else None
    return plugin if isinstance(plugin, TaxisNetPlugin) else None


def install_plugin(portal):
    """Add the TaxisNet PAS plugin to the site's acl_users (once).

    Idempotent: an existing plugin (and its links) is kept, and only the
    interfaces not yet active are activated.
    """
    acl_users = portal.acl_users
    plugin = acl_users.get(PLUGIN_ID)
    if plugin is None:
        acl_users._setObject(PLUGIN_ID, TaxisNetPlugin(PLUGIN_ID))
        plugin = acl_users[PLUGIN_ID]
        logger.info("Added the TaxisNet PAS plugin")
    plugins = acl_users.plugins
    for interface in ACTIVE_INTERFACES:
        active = [plugin_id for plugin_id, _p in plugins.listPlugins(interface)]
        if PLUGIN_ID not in active:
            plugins.activatePlugin(interface, PLUGIN_ID)
    return plugin


def uninstall_plugin(portal):
    """Remove the TaxisNet PAS plugin.

    The accounts it created can no longer log in nor be found; linked local
    accounts are untouched. Re-installing starts with no links.
    """
    acl_users = portal.acl_users
    if PLUGIN_ID not in acl_users.objectIds():
        return
    plugins = acl_users.plugins
    for interface in ACTIVE_INTERFACES:
        active = [plugin_id for plugin_id, _p in plugins.listPlugins(interface)]
        if PLUGIN_ID in active:
            plugins.deactivatePlugin(interface, PLUGIN_ID)
    acl_users._delObject(PLUGIN_ID)
    logger.info("Removed the TaxisNet PAS plugin")


def upgrade_settings(context=None):
    """Add the new ``municipality.taxisnet.*`` records; keep the stored values."""
    getUtility(IRegistry).registerInterface(
        ITaxisNetSettings, prefix="municipality.taxisnet"
    )


# Login


def _verified_owners(portal, afm):
    """Local accounts verified in person for ``afm`` (with it in their profile)."""
    from municipality.core.identity import verification

    is_verified = getattr(verification, "is_verified", None)
    if is_verified is None:
        # Without in-person verification nothing can be matched safely.
        return []
    candidates = set()
    verified_with_afm = getattr(verification, "verified_with_afm", None)
    if verified_with_afm is not None:
        candidates.update(verified_with_afm(afm))
    mutable = portal.acl_users.get("mutable_properties")
    if mutable is not None:
        for info in mutable.enumerateUsers(afm=afm, exact_match=True):
            candidates.add(info["id"])
    plugin = get_plugin(portal)
    membership = portal.portal_membership
    owners = []
    for userid in sorted(candidates):
        if plugin is not None and (plugin.record(userid) or {}).get("own"):
            continue
        member = membership.getMemberById(userid)
        if member is None:
            continue
        if (member.getProperty("afm", "") or "").strip() != afm:
            continue
        if is_verified(userid):
            owners.append(userid)
    return owners


def _new_userid(portal):
    acl_users = portal.acl_users
    while True:
        # Random, not the ΑΦΜ: user ids show in URLs, in content's creator
        # and in logs, where a tax number (personal data) must not.
        userid = f"{USERID_PREFIX}{secrets.token_hex(6)}"
        if acl_users.getUserById(userid) is None:
            return userid


def _revoked_by_staff(userid):
    """Whether staff's last word on ``userid`` is a revocation.

    TaxisNet proves who the person is, but when staff revoked the account's
    verification (a deceased person's account used by someone else, a
    misuse), a later TaxisNet login must not undo their decision: only a new
    verification in person does.
    """
    from municipality.core.identity import verification

    records = verification.history(userid)
    return bool(records) and records[-1].get("action") == "revoke"


def _ensure_groups(portal, userid):
    groups = portal.portal_groups
    current = set(groups.getGroupsForPrincipal(portal.acl_users.getUserById(userid)))
    wanted = [CITIZENS]
    if VERIFIED_CITIZENS not in current and _revoked_by_staff(userid):
        logger.info("TaxisNet: %s stays unverified (revoked by staff)", userid)
    else:
        wanted.append(VERIFIED_CITIZENS)
    for group_id in wanted:
        if group_id not in current and groups.getGroupById(group_id) is not None:
            groups.addPrincipalToGroup(userid, group_id)


def login_taxpayer(portal, user):
    """Find or create the account of the taxpayer GSIS vouched for.

    :param portal: [required] The site.
    :param user: [required] What GSIS answered.
    :type user: municipality.integrations.taxisnet.TaxisNetUser
    :returns: ``(userid, created)``.
    :raises: :class:`AmbiguousTaxpayer` when several local accounts were
        verified in person for the ΑΦΜ (nothing is changed).

    Refreshes the stored names, the member data's ``fullname`` and
    ``afm``, and puts the account in ``citizens`` and ``verified-citizens``:
    TaxisNet confirmed who the person is — unless staff revoked the
    account's verification since (see ``_revoked_by_staff``).
    """
    plugin = get_plugin(portal)
    if plugin is None:
        raise RuntimeError("The TaxisNet PAS plugin is not installed")
    acl_users = portal.acl_users
    afm = user.taxid
    created = False
    own = False
    userid = plugin.userid_for(afm)
    if userid is not None and acl_users.getUserById(userid) is None:
        # The account was removed some other way: forget the dangling link.
        plugin.forget(userid)
        userid = None
    if userid is None:
        owners = _verified_owners(portal, afm)
        if len(owners) > 1:
            raise AmbiguousTaxpayer(afm, owners)
        if owners:
            userid = owners[0]
            logger.info("TaxisNet: linked ΑΦΜ to the verified account %s", userid)
        else:
            userid = _new_userid(portal)
            created = own = True
    plugin.remember(userid, user, own=own)
    pas_user = acl_users.getUserById(userid)
    if created:
        notify(PrincipalCreated(pas_user))
        logger.info("TaxisNet: created the account %s", userid)
    _ensure_groups(portal, userid)
    member = portal.portal_membership.getMemberById(userid)
    if member is not None:
        properties = {"fullname": user.fullname}
        if member.hasProperty("afm"):
            properties["afm"] = afm
        # Certificates print the father's name; GSIS knows it.
        if member.hasProperty("fathername") and user.fathername:
            properties["fathername"] = user.fathername
        member.setMemberProperties(properties)
    return userid, created
