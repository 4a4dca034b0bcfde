"""The catalogue of the platform's e-services, as code.

Each e-service is provided by an add-on of its own (``municipality.requests``,
``municipality.payments`` …). The catalogue lists them all, so the home page
can show citizens and businesses the whole offer from the first day: a service
whose add-on is installed is a link to its start view, the others are shown as
«coming soon».
"""

from dataclasses import dataclass
from municipality import _
from Products.CMFCore.utils import getToolByName
from Products.GenericSetup import profile_registry
from Products.GenericSetup.tool import UNKNOWN
from typing import NamedTuple
from zope.annotation.interfaces import IAnnotations
from zope.globalrequest import getRequest


# Category id -> title, in the order the home page shows them.
CATEGORIES = {
    "requests": _("Requests, certificates and permits"),
    "payments": _("Payments"),
    "business": _("Businesses"),
    "transparency": _("Transparency"),
}

# Audience id -> who may use a service, as told to the visitor.
AUDIENCES = {
    "anonymous": _("Everyone, without logging in"),
    "registered": _("Registered users"),
    "verified": _("Users with a verified identity"),
    "business": _("Verified businesses"),
}


@dataclass(frozen=True)
class EService:
    """One e-service of the platform.

    ``category`` is a key of ``CATEGORIES``, ``audience`` a key of
    ``AUDIENCES``; ``url`` is the path of the start view under the site root
    and ``icon`` the name of a Plone icon (``@@iconresolver``); ``addon`` is
    the distribution that provides the service.
    """

    id: str
    title: str
    description: str
    category: str
    audience: str
    url: str
    icon: str
    addon: str

    @property
    def category_title(self):
        """The title (a message id) of the service's category."""
        return CATEGORIES[self.category]

    @property
    def audience_title(self):
        """Who may use the service (a message id)."""
        return AUDIENCES[self.audience]


SERVICES = (
    EService(
        id="requests",
        title=_("Requests, complaints and proposals"),
        description=_(
            "Send the municipality a request, a complaint or a proposal. "
            "Log in to follow its progress and read the reply."
        ),
        category="requests",
        audience="anonymous",
        url="requests/@@new-request",
        icon="chat-left-text",
        addon="municipality.requests",
    ),
    EService(
        id="civil-registry-certificates",
        title=_("Civil-registry certificates"),
        description=_(
            "Apply for a civil-registry certificate. It is registered in the "
            "protocol and issued digitally signed."
        ),
        category="requests",
        audience="verified",
        url="@@request-certificate",
        icon="file-earmark-text",
        addon="municipality.certificates",
    ),
    EService(
        id="tap-certificate",
        title=_("ΤΑΠ non-debt certificate"),
        description=_(
            "Get a certificate that no property levy (ΤΑΠ) is owed for a property."
        ),
        category="requests",
        audience="verified",
        url="@@request-tap-certificate",
        icon="file-earmark-check",
        addon="municipality.certificates",
    ),
    EService(
        id="occupancy-permits",
        title=_("Common-space occupancy permits"),
        description=_(
            "Apply to use a pavement or a square. The fee follows the council's "
            "tariff and the permit is sent to you digitally signed."
        ),
        category="requests",
        audience="verified",
        url="@@apply-occupancy-permit",
        icon="signpost-split",
        addon="municipality.permits",
    ),
    EService(
        id="certified-debts",
        title=_("Certified debts"),
        description=_(
            "See and pay by card what you owe the municipality, or pay with "
            "a payment code without logging in."
        ),
        category="payments",
        audience="anonymous",
        url="@@my-debts",
        icon="receipt",
        addon="municipality.payments",
    ),
    EService(
        id="traffic-fines",
        title=_("Traffic fines"),
        description=_(
            "Find a traffic ticket by its number and plate and pay the fine by card."
        ),
        category="payments",
        audience="anonymous",
        url="@@pay-traffic-fine",
        icon="car-front",
        addon="municipality.payments",
    ),
    EService(
        id="gross-revenue-fee",
        title=_("Gross-revenue fee declaration"),
        description=_(
            "Declare the gross revenue of your shop. The fee and any late "
            "penalty are computed for you."
        ),
        category="business",
        audience="business",
        url="@@declare-gross-revenue-fee",
        icon="shop",
        addon="municipality.payments",
    ),
    EService(
        id="sojourner-fee",
        title=_("Sojourner fee declaration"),
        description=_(
            "Declare the accommodation revenue of your hotel or rooms to let. "
            "The fee and any late penalty are computed for you."
        ),
        category="business",
        audience="business",
        url="@@declare-sojourner-fee",
        icon="suitcase",
        addon="municipality.payments",
    ),
    EService(
        id="payment-orders",
        title=_("Payment orders"),
        description=_("Suppliers: see the payment orders issued to you."),
        category="business",
        audience="business",
        url="@@payment-orders",
        icon="cash-coin",
        addon="municipality.payments",
    ),
    EService(
        id="municipal-tax",
        title=_("Municipal tax"),
        description=_(
            "Declare and pay the municipal tax in one step, and pay certified "
            "municipal tax debts."
        ),
        category="business",
        audience="business",
        url="@@declare-municipal-tax",
        icon="calculator",
        addon="municipality.payments",
    ),
    EService(
        id="council-decisions",
        title=_("Council decisions"),
        description=_(
            "Read the decisions of the municipal council, as published on Diavgeia."
        ),
        category="transparency",
        audience="anonymous",
        url="@@council-decisions",
        icon="bank",
        addon="municipality.council",
    ),
    EService(
        id="digitized-archive",
        title=_("Digitized archive"),
        description=_("Search 50,000 digitized pages of council decisions up to 2010."),
        category="transparency",
        audience="anonymous",
        url="@@archive-search",
        icon="archive",
        addon="municipality.archive",
    ),
)


class OfferedService(NamedTuple):
    """An e-service as offered on a site: usable now or «coming soon»."""

    service: EService
    available: bool
    # The absolute address of its start view; None while it is not available.
    url: str | None


_CACHE_KEY = "municipality.core.eservices.installed"


def is_addon_installed(context, addon, request=None):
    """Whether ``addon`` is installed on the site of ``context``.

    The answer is remembered for the rest of the request: the home page asks
    once per service, and several services share an add-on. Asked of
    ``portal_setup`` by the add-on's ``default`` profile, as Plone's
    installer does in the end: its ``is_product_installed`` first reads the
    information of every profile there is to find that one (7 % of the
    home page). An add-on whose code is gone (its profile no longer
    registered) is not installed, as for Plone's installer.
    """
    if request is None:
        request = getRequest()
    cache = IAnnotations(request, {}) if request is not None else {}
    installed = cache.setdefault(_CACHE_KEY, {})
    if addon not in installed:
        profile = f"{addon}:default"
        try:
            profile_registry.getProfileInfo(profile)
        except KeyError:
            installed[addon] = False
        else:
            setup = getToolByName(context, "portal_setup")
            installed[addon] = setup.getLastVersionForProfile(profile) != UNKNOWN
    return installed[addon]


def available_services(context, request=None):
    """Every e-service, each with whether it can be used on this site now.

    Returns a tuple of ``OfferedService`` in catalogue order. A service is
    available when the add-on that provides it is installed; then ``url`` is
    the absolute address of its start view.
    """
    portal_url = getToolByName(context, "portal_url")()
    offered = []
    for service in SERVICES:
        available = is_addon_installed(context, service.addon, request)
        url = f"{portal_url}/{service.url}" if available else None
        offered.append(OfferedService(service, available, url))
    return tuple(offered)


def services_by_category(context, request=None):
    """The offered services grouped by category, in the order of ``CATEGORIES``.

    Returns a list of ``(category_id, category_title, services)``; categories
    without services are left out.
    """
    offered = available_services(context, request)
    groups = []
    for category_id, title in CATEGORIES.items():
        services = [o for o in offered if o.service.category == category_id]
        if services:
            groups.append((category_id, title, services))
    return groups
