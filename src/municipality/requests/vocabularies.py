"""Vocabularies of the requests add-on: kinds, categories, departments, officers."""

from municipality import _
from municipality.requests import settings
from plone import api
from zope.interface import provider
from zope.schema.interfaces import IVocabularyFactory
from zope.schema.vocabulary import SimpleTerm
from zope.schema.vocabulary import SimpleVocabulary


KINDS = {
    "request": _("Request"),
    "complaint": _("Complaint"),
    "proposal": _("Proposal"),
}

# The roles that make a user someone a case can be assigned to.
STAFF_ROLE = "Employee"


@provider(IVocabularyFactory)
def kinds(context=None):
    """Request, complaint, proposal."""
    return SimpleVocabulary(
        [SimpleTerm(value, value, title) for value, title in KINDS.items()]
    )


@provider(IVocabularyFactory)
def categories(context=None):
    """The categories of the settings (``code|Title|days|department``)."""
    return SimpleVocabulary(
        [SimpleTerm(c.code, c.code, c.title) for c in settings.categories()]
    )


@provider(IVocabularyFactory)
def departments(context=None):
    """The departments of the settings (``code|Title``)."""
    return SimpleVocabulary(
        [
            SimpleTerm(code, code, title)
            for code, title in settings.departments().items()
        ]
    )


def staff_user_ids():
    """Ids of the members of the groups that give the Employee role.

    Staff get their roles through groups (``municipality.core.roles``); going
    through the groups, not every user, keeps this quick on a portal with
    many thousands of citizens.
    """
    ids = set()
    for group in api.group.get_groups():
        if STAFF_ROLE in (group.getRoles() or ()):
            ids.update(member.getId() for member in api.user.get_users(group=group))
    return ids


@provider(IVocabularyFactory)
def officers(context=None):
    """The employees a case can be assigned to, by full name."""
    terms = []
    for user_id in staff_user_ids():
        member = api.user.get(userid=user_id)
        title = (member.getProperty("fullname", "") if member else "") or user_id
        terms.append(SimpleTerm(user_id, user_id, title))
    terms.sort(key=lambda term: str(term.title).lower())
    return SimpleVocabulary(terms)
