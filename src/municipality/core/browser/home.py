"""The public home page: the e-services, the latest news, the next events."""

from Acquisition import aq_base
from DateTime import DateTime
from municipality.core.browser.viewlets import municipality_name
from municipality.core.eservices import services_by_category
from plone.app.event.base import default_timezone
from plone.app.event.base import ulocalized_time
from plone.memoize.view import memoize
from Products.CMFCore.utils import getToolByName
from Products.Five.browser import BrowserView
from zope.component import getMultiAdapter


# The name of the view, and the site root's layout while the add-on is installed.
HOME_VIEW = "municipality-home"

ICON_CLASS = "eservice-icon-svg"
# The e-services' icons as inline SVG: icon file → markup.
_ICONS = {}

NEWS_LIMIT = 3
EVENTS_LIMIT = 3


class HomeView(BrowserView):
    """``@@municipality-home``: the site root's default view."""

    def __call__(self):
        # Full width: the site root's portlets (upcoming events …) would repeat
        # what the page shows.
        self.request.set("disable_plone.leftcolumn", True)
        self.request.set("disable_plone.rightcolumn", True)
        return self.index()

    @property
    def portal_url(self):
        """The site's address."""
        return getToolByName(self.context, "portal_url")()

    def name(self):
        """The municipality's name in the visitor's language."""
        return municipality_name(self.request)

    def text(self):
        """The site root's own text, if an editor wrote one."""
        text = getattr(aq_base(self.context), "text", None)
        if text is None or not getattr(text, "raw", None):
            return None
        return text.output_relative_to(self.context)

    @memoize
    def categories(self):
        """The e-services grouped by category: (id, title, offered services)."""
        return services_by_category(self.context, self.request)

    def icon(self, name):
        """An icon as inline SVG, hidden from screen readers by the template.

        Plone's icon resolver reads and parses the SVG file each time (a
        tenth of the home page, with its twenty icons): the markup is kept
        per process, by the file the registry names for the icon, so that
        an icon given another file in the registry is read anew.
        """
        icons = getMultiAdapter((self.context, self.request), name="iconresolver")
        key = icons.lookup(name)
        markup = _ICONS.get(key)
        if markup is None:
            markup = _ICONS[key] = icons.tag(name, tag_class=ICON_CLASS)
        return markup

    @memoize
    def news(self):
        """The latest published News Items, newest first.

        By ``Date``: the publishing date, or the last change for items
        published without one.
        """
        catalog = getToolByName(self.context, "portal_catalog")
        brains = catalog(
            portal_type="News Item",
            review_state="published",
            sort_on="Date",
            sort_order="descending",
            sort_limit=NEWS_LIMIT,
        )
        return [self._item(brain, brain.Date) for brain in brains[:NEWS_LIMIT]]

    @memoize
    def events(self):
        """The next published Events that have not ended, soonest first."""
        catalog = getToolByName(self.context, "portal_catalog")
        brains = catalog(
            portal_type="Event",
            review_state="published",
            end={"query": DateTime(), "range": "min"},
            sort_on="start",
            sort_limit=EVENTS_LIMIT,
        )
        return [
            dict(self._item(brain, brain.start), location=brain.location or "")
            for brain in brains[:EVENTS_LIMIT]
        ]

    def _item(self, brain, date):
        # In the site's (or the member's) time zone, as Plone's portlets show it.
        date = DateTime(date).toZone(self._timezone()) if date else None
        return {
            "title": brain.Title,
            "description": brain.Description,
            "url": brain.getURL(),
            "date": self._localized(date),
            "time": self._localized(date, time_only=True),
            "datetime": date.ISO8601() if date else "",
        }

    @memoize
    def _timezone(self):
        return default_timezone(self.context)

    def _localized(self, date, time_only=False):
        # plone.app.event's ulocalized_time: DateTime's own strftime would
        # show the time in the server's time zone.
        if date is None:
            return ""
        return ulocalized_time(
            date, time_only=time_only, context=self.context, request=self.request
        )

    def folder_url(self, folder_id, fallback=None):
        """The address of a top-level folder (``news``, ``events``), or fallback."""
        if folder_id in self.context.objectIds():
            return f"{self.portal_url}/{folder_id}"
        return f"{self.portal_url}/{fallback}" if fallback else None


def set_home_page(portal):
    """Make ``@@municipality-home`` the site root's view.

    Only when the site root still shows Plone's default view: a layout or a
    default page an editor chose is kept.
    """
    layout = getattr(aq_base(portal), "layout", None)
    if layout and layout != portal.getDefaultLayout():
        return False
    if portal.getDefaultPage():
        return False
    portal.setLayout(HOME_VIEW)
    return True


def unset_home_page(portal):
    """Give the site root Plone's default view back, if it shows ours."""
    if portal.getLayout() != HOME_VIEW:
        return False
    portal.setLayout(portal.getDefaultLayout())
    return True
