"""``GET <portal>/@archive-search``: the archive's public search over plone.restapi.

Parameters as the page ``@@archive-search``: ``q``, ``year``, ``decade``,
``term`` (repeatable: the ``value`` of a ``term`` facet, or a word),
``sort`` (``relevance`` | ``date`` | ``date_asc``), ``b_start``, ``b_size``
(1–100; the setting ``results_per_page`` when absent). Anyone may ask;
everyone gets the published decisions only.

Answer::

    {"@id": "<this request's URL>",
     "items_total": 1234,
     "items": [{"@id", "UID", "title", "number", "year",
                "meeting_date": "1987-03-15" | null, "subject",
                "snippets": ["…<mark>αποφάσεως</mark>…"], "page": 2,
                "thumbnail": "<decision>/@@page/2/thumbnail" | null}],
     "facets": {"decade": [{"value": 1980, "count": 12, "title": "1980–1989",
                            "active": false}],
                "year": [...], "term": [...]},
     "batching": {"@id", "first", "last", "prev", "next"},
     "notice": null | "…why valid words found nothing (e.g. only punctuation)…"}

``snippets`` are HTML (the text escaped, the matched words in ``<mark>``);
``page`` is the page of the first match. Facets: decades and years are
counted without the decade/year filter (to move to another), years within
the chosen decade or the ten with the most results; ``term`` holds the
subject words chosen (``active``) and the fifteen most frequent others.
``batching`` has ``first``/``last``/``prev``/``next`` only when the result
takes more than one page. Bad parameters → ``400 {"error":
{"type": "BadRequest", "message", "errors": [{"field", "message"}]}}``.
"""

from municipality.archive import search
from plone.restapi.services import Service
from urllib.parse import urlencode
from zope.i18n import translate


class ArchiveSearchGet(Service):
    """The archive's search (see the module's docstring)."""

    def tr(self, message):
        return translate(message, context=self.request)

    def reply(self):
        try:
            query = search.parse(self.request.form)
        except search.QueryError as error:
            self.request.response.setStatus(400)
            errors = [
                {"field": name, "message": self.tr(message)}
                for name, message in error.errors
            ]
            return {
                "error": {
                    "type": "BadRequest",
                    "message": "; ".join(
                        f"{e['field']}: {e['message']}" for e in errors
                    ),
                    "errors": errors,
                }
            }
        results = search.run(self.context, query, request=self.request)
        base = f"{self.context.absolute_url()}/@archive-search"
        return {
            "@id": self._url(base, query, query.b_start, query.b_size),
            "items_total": results.total,
            "items": [self._item(hit) for hit in results.hits],
            "facets": {
                name: [
                    {
                        "value": value.value,
                        "count": value.count,
                        "title": value.title,
                        "active": value.active,
                    }
                    for value in values
                ]
                for name, values in results.facets.items()
            },
            "batching": self._batching(base, query, results.total),
            "notice": self.tr(results.notice) if results.notice else None,
        }

    def _item(self, hit):
        return {
            "@id": hit.url,
            "UID": hit.uid,
            "title": hit.title,
            "number": hit.number,
            "year": hit.year,
            "meeting_date": hit.meeting_date.isoformat() if hit.meeting_date else None,
            "subject": hit.subject,
            "snippets": hit.snippets,
            "page": hit.page,
            "thumbnail": hit.thumbnail,
        }

    @staticmethod
    def _url(base, query, b_start, b_size):
        pairs = [*query.params(b_start=b_start), ("b_size", str(b_size))]
        return f"{base}?{urlencode(pairs)}"

    def _batching(self, base, query, total):
        """plone.restapi's batching links: ``@id`` always, the rest when the
        result takes more than one page."""
        size = query.b_size
        links = {"@id": self._url(base, query, query.b_start, size)}
        if total <= size:
            return links
        last = (total - 1) // size * size
        links["first"] = self._url(base, query, 0, size)
        links["last"] = self._url(base, query, last, size)
        if query.b_start > 0:
            links["prev"] = self._url(base, query, max(query.b_start - size, 0), size)
        if query.b_start + size < total:
            links["next"] = self._url(base, query, query.b_start + size, size)
        return links
