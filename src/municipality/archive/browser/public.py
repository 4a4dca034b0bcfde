"""The public archive: ``@@archive-home`` (browse by decade and year) and
``@@archive-search`` (search with facets), for citizens and visitors.

Both pages ask :mod:`municipality.archive.search` and show what it answers;
nothing here touches the catalog itself.
"""

from math import ceil
from municipality import _
from municipality.archive import search
from municipality.archive.setuphandlers import get_archive
from plone import api
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from urllib.parse import urlencode
from zope.i18n import translate


CSS = "++resource++municipality.archive.public.css"

SORT_OPTIONS = (
    ("relevance", _("Relevance")),
    ("date", _("Newest first")),
    ("date_asc", _("Oldest first")),
)


def format_count(number):
    """1234 → «1.234» (the Greek thousands separator)."""
    return f"{int(number):,}".replace(",", ".")


def format_date(value):
    """A date as «dd/mm/yyyy»; "" for None."""
    return value.strftime("%d/%m/%Y") if value else ""


class ArchivePage(BrowserView):
    """What the archive's public pages share."""

    # The page's own address (…/@@archive-search or the archive's).
    view_name = ""
    macros = ViewPageTemplateFile("templates/archive_macros.pt")

    def tr(self, message):
        return translate(message, context=self.request)

    @property
    def portal_url(self):
        return api.portal.get().absolute_url()

    @property
    def css_url(self):
        return f"{self.portal_url}/{CSS}"

    @property
    def archive(self):
        return get_archive(api.portal.get())

    @property
    def archive_url(self):
        archive = self.archive
        return archive.absolute_url() if archive is not None else self.portal_url

    @property
    def search_url(self):
        """Where the search form goes: this page when it is the search page,
        else the archive's search page."""
        if self.view_name == "archive-search":
            return f"{self.context.absolute_url()}/@@archive-search"
        return f"{self.archive_url}/@@archive-search"

    @property
    def page_url(self):
        return f"{self.context.absolute_url()}/@@{self.view_name}"

    def link(self, pairs):
        """This page's address with the query ``pairs``."""
        if not pairs:
            return self.page_url
        return f"{self.page_url}?{urlencode(pairs)}"

    def decisions_label(self, number):
        """«1 απόφαση», «1.234 αποφάσεις»."""
        if number == 1:
            return self.tr(_("1 decision"))
        return self.tr(_("${count} decisions", mapping={"count": format_count(number)}))

    def errors_text(self, error):
        """The messages of a :class:`search.QueryError`, translated."""
        return [self.tr(message) for _field, message in error.errors]

    def pager(self, total, b_start, b_size, make_url):
        """The pages of a batched list: ``None`` when it fits in one page;
        else prev/next and a window of page links (``None`` items are gaps)."""
        if total <= b_size:
            return None
        pages = ceil(total / b_size)
        current = min(b_start // b_size + 1, pages)
        wanted = {1, pages, *range(max(1, current - 2), min(pages, current + 2) + 1)}
        items = []
        previous = 0
        for number in sorted(wanted):
            if number - previous > 1:
                items.append(None)
            items.append(
                {
                    "number": number,
                    "url": make_url((number - 1) * b_size),
                    "current": number == current,
                }
            )
            previous = number
        return {
            "links": items,
            "previous": make_url((current - 2) * b_size) if current > 1 else None,
            "next": make_url(current * b_size) if current < pages else None,
            "current": current,
            "pages": pages,
        }


class ArchiveSearchView(ArchivePage):
    """``@@archive-search``: words, filters, facets, ordering, snippets."""

    view_name = "archive-search"
    index = ViewPageTemplateFile("templates/archive_search.pt")

    def __call__(self):
        self.errors = []
        self.results = None
        try:
            self.query = search.parse(self.request.form)
        except search.QueryError as error:
            self.errors = self.errors_text(error)
            # The words stay in the box (escaped like everything shown).
            q = self.request.form.get("q")
            self.query = search.ArchiveQuery(
                q=q[: search.MAX_QUERY_LENGTH] if isinstance(q, str) else "",
                b_size=search.settings.get("results_per_page"),
            )
            self.request.response.setStatus(400)
        else:
            if self.searched:
                self.results = search.run(
                    self.context, self.query, request=self.request
                )
        return self.index()

    @property
    def searched(self):
        """Whether anything was asked (words or a filter)."""
        query = self.query
        return bool(
            query.q or query.year is not None or query.decade is not None or query.terms
        )

    @property
    def notice(self):
        if self.results is not None and self.results.notice is not None:
            return self.tr(self.results.notice)
        return None

    def url(self, **changes):
        changes.setdefault("b_start", 0)
        return self.link(self.query.params(**changes))

    def sort_options(self):
        order = self.query.order
        return [
            {"value": value, "title": self.tr(title), "selected": value == order}
            for value, title in SORT_OPTIONS
            if value != "relevance" or self.query.words
        ]

    def hidden_filters(self):
        """The filters kept when the words or the order change."""
        query = self.query
        pairs = []
        if query.decade is not None and query.year is None:
            pairs.append(("decade", str(query.decade)))
        if query.year is not None:
            pairs.append(("year", str(query.year)))
        pairs.extend(("term", term) for term in query.terms)
        return [{"name": name, "value": value} for name, value in pairs]

    def active_filters(self):
        """Each filter in effect, with the address that removes it."""
        query = self.query
        items = []
        if query.q:
            items.append(
                {
                    "label": self.tr(_("Words")),
                    "value": query.q,
                    "remove": self.url(q="", sort=""),
                }
            )
        if query.decade is not None and query.year is None:
            items.append(
                {
                    "label": self.tr(_("Decade")),
                    "value": search.decade_title(query.decade),
                    "remove": self.url(decade=None, year=None),
                }
            )
        if query.year is not None:
            items.append(
                {
                    "label": self.tr(_("Year")),
                    "value": str(query.year),
                    "remove": self.url(year=None),
                }
            )
        titles = {}
        if self.results is not None:
            titles = {
                facet.value: facet.title
                for facet in self.results.facets["term"]
                if facet.active
            }
        for term in query.terms:
            items.append(
                {
                    "label": self.tr(_("Subject word")),
                    "value": titles.get(term, term),
                    "remove": self.url(
                        terms=tuple(t for t in query.terms if t != term)
                    ),
                }
            )
        return items

    def clear_url(self):
        return self.page_url

    def facets(self):
        """The facets to show: decade, year, subject words; each value with
        its count and the address that applies (or, when active, removes) it."""
        if self.results is None or not self.results.total:
            return []
        facets = self.results.facets
        query = self.query
        groups = []
        decades = [
            {
                "title": value.title,
                "count": format_count(value.count),
                "active": value.active,
                "url": (
                    self.url(decade=None, year=None)
                    if value.active
                    else self.url(decade=value.value, year=None)
                ),
            }
            for value in facets["decade"]
        ]
        if decades:
            groups.append(
                {"id": "decade", "title": self.tr(_("Decade")), "options": decades}
            )
        years = [
            {
                "title": value.title,
                "count": format_count(value.count),
                "active": value.active,
                "url": (
                    self.url(year=None)
                    if value.active
                    else self.url(year=value.value, decade=value.value // 10 * 10)
                ),
            }
            for value in facets["year"]
        ]
        if years:
            chosen = query.year // 10 * 10 if query.year is not None else query.decade
            title = (
                self.tr(_("Year"))
                if chosen is not None
                else self.tr(_("Years with the most results"))
            )
            groups.append({"id": "year", "title": title, "options": years})
        terms = [
            {
                "title": value.title,
                "count": format_count(value.count),
                "active": value.active,
                "url": (
                    self.url(terms=tuple(t for t in query.terms if t != value.value))
                    if value.active
                    else self.url(terms=(*query.terms, value.value))
                ),
            }
            for value in facets["term"]
        ]
        if terms:
            groups.append(
                {"id": "term", "title": self.tr(_("Subject words")), "options": terms}
            )
        return groups

    def summary(self):
        """«Αποτελέσματα 1–20 από 1.234»."""
        results = self.results
        if results is None or not results.total:
            return ""
        if results.total <= self.query.b_size and not self.query.b_start:
            if results.total == 1:
                return self.tr(_("1 result"))
            return self.tr(
                _("${count} results", mapping={"count": format_count(results.total)})
            )
        return self.tr(
            _(
                "Results ${start}–${end} of ${total}",
                mapping={
                    "start": format_count(self.query.b_start + 1),
                    "end": format_count(results.b_end),
                    "total": format_count(results.total),
                },
            )
        )

    def hits(self):
        if self.results is None:
            return []
        rows = []
        for hit in self.results.hits:
            rows.append(
                {
                    "url": hit.link,
                    "title": hit.title or self.tr(_("Decision")),
                    "number": hit.number,
                    "year": hit.year or "",
                    "date": format_date(hit.meeting_date),
                    "date_iso": hit.meeting_date.isoformat()
                    if hit.meeting_date
                    else "",
                    "subject": hit.subject,
                    "snippets": hit.snippets,
                    "thumbnail": hit.thumbnail,
                    "page": hit.page,
                    "thumbnail_alt": self.tr(
                        _("Page ${page} of the decision", mapping={"page": hit.page})
                    ),
                }
            )
        return rows

    def batch(self):
        results = self.results
        if results is None:
            return None
        return self.pager(
            results.total,
            self.query.b_start,
            self.query.b_size,
            lambda start: self.url(b_start=start),
        )


class ArchiveHomeView(ArchivePage):
    """``@@archive-home``, the archive folder's page: what the archive is, a
    search box, and browsing: decades → years of a decade → a year's
    decisions by meeting date and number."""

    view_name = "archive-home"
    index = ViewPageTemplateFile("templates/archive_home.pt")

    def __call__(self):
        self.errors = []
        form = {
            name: self.request.form[name]
            for name in ("decade", "year", "b_start")
            if name in self.request.form
        }
        try:
            query = search.parse(form)
        except search.QueryError as error:
            self.errors = self.errors_text(error)
            query = search.ArchiveQuery()
            self.request.response.setStatus(400)
        self.query = search.ArchiveQuery(
            year=query.year,
            decade=query.decade,
            sort="date_asc",
            b_start=query.b_start if query.year is not None else 0,
            b_size=(
                search.settings.get("results_per_page") if query.year is not None else 0
            ),
        )
        # The decades and the years: no subject words on this page.
        self.results = search.run(
            self.context,
            self.query,
            facets=("decade", "year"),
            request=self.request,
        )
        return self.index()

    @property
    def level(self):
        """«decades», «years» (of a decade) or «year» (its decisions)."""
        if self.query.year is not None:
            return "year"
        if self.query.decade is not None:
            return "years"
        return "decades"

    @property
    def chosen_decade(self):
        if self.query.year is not None:
            return self.query.year // 10 * 10
        return self.query.decade

    def total(self):
        """Every published decision (the decades' counts added)."""
        return sum(value.count for value in self.results.facets["decade"])

    def total_label(self):
        return self.decisions_label(self.total())

    def decades(self):
        return [
            {
                "title": value.title,
                "count": self.decisions_label(value.count),
                "url": self.link([("decade", str(value.value))]),
                "active": value.value == self.chosen_decade,
            }
            for value in self.results.facets["decade"]
        ]

    def years(self):
        return [
            {
                "title": value.title,
                "count": self.decisions_label(value.count),
                "url": self.link([("year", str(value.value))]),
                "active": value.value == self.query.year,
            }
            for value in self.results.facets["year"]
        ]

    def decade_title(self):
        decade = self.chosen_decade
        return search.decade_title(decade) if decade is not None else ""

    def decade_url(self):
        return self.link([("decade", str(self.chosen_decade))])

    def year_count(self):
        return self.decisions_label(self.results.total)

    def decisions(self):
        return [
            {
                "url": hit.url,
                "title": hit.title or self.tr(_("Decision")),
                "number": hit.number,
                "date": format_date(hit.meeting_date),
                "date_iso": hit.meeting_date.isoformat() if hit.meeting_date else "",
                "subject": hit.subject,
            }
            for hit in self.results.hits
        ]

    def batch(self):
        if self.query.year is None:
            return None
        return self.pager(
            self.results.total,
            self.query.b_start,
            self.query.b_size,
            lambda start: self.link(
                [("year", str(self.query.year))]
                + ([("b_start", str(start))] if start else [])
            ),
        )
