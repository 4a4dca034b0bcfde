"""The public pages: ``@@archive-home`` (browse by decade and year) and
``@@archive-search`` (words, facets, filters, pages), in Greek; the query
echoed safely; bad parameters answered with a Greek message."""

from .search_helpers import add
from .search_helpers import day
from .search_helpers import ingest
from html import unescape
from municipality.archive.interfaces import IArchiveLayer
from municipality.archive.setuphandlers import get_archive
from plone import api
from plone.app.testing import logout
from urllib.parse import parse_qsl
from urllib.parse import urlsplit
from zope.interface import alsoProvides

import pytest
import re


def render(context, name, **form):
    """The page ``name`` of ``context`` for ``form``: (status, html)."""
    request = context.REQUEST
    alsoProvides(request, IArchiveLayer)
    request.form.clear()
    request.form.update(form)
    request.response.setStatus(200)
    html = context.restrictedTraverse(f"@@{name}")()
    return request.response.getStatus(), html


def main(html):
    """The page's own content (without Plone's header and footer)."""
    start = html.index('<div class="archive-public')
    end = html.index("</footer>", html.index("</article>", start))
    return html[start:end]


def text_of(html):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def links(html, css_class=None):
    """``(text, href)`` of the links in ``html``."""
    found = []
    for attrs, inner in re.findall(r"<a ([^>]*)>(.*?)</a>", html, re.S):
        if css_class and css_class not in attrs:
            continue
        href = re.search(r'href="([^"]*)"', attrs)
        if href:
            found.append((text_of(inner), unescape(href.group(1))))
    return found


def params(url):
    return parse_qsl(urlsplit(url).query)


@pytest.fixture
def decisions(portal):
    """Published decisions of 1958, 1983, 1987 (three) and one unpublished."""
    made = {
        "1958": add(4, 1958, "Ἡ ὕδρευσις τοῦ χωρίου.", "Ὕδρευσις", day(1958, 6, 1)),
        "1983": add(10, 1983, "Η ύδρευση της Κάτω Πόλης.", "Ύδρευση", day(1983, 2, 3)),
        "1987a": add(
            12, 1987, "Έγκριση του προϋπολογισμού.", "Προϋπολογισμός", day(1987, 3, 15)
        ),
        "1987b": add(
            3, 1987, "Η ύδρευση του οικισμού.", "Ύδρευση οικισμού", day(1987, 3, 15)
        ),
        "1987c": add(
            1, 1987, "Ηλεκτροφωτισμός οδών.", "Ηλεκτροφωτισμός", day(1987, 1, 20)
        ),
    }
    add(99, 1995, "Η ύδρευση των προσφύγων.", "Απόρρητο", state="withheld")
    logout()
    return made


# -- the archive's home: browse -----------------------------------------------------


def test_home_says_what_the_archive_is_and_lists_the_decades(portal, decisions):
    archive = get_archive(portal)
    status, html = render(archive, "archive-home")
    assert status == 200
    content = main(html)
    text = text_of(content)
    assert "ίδρυση του Δήμου έως και το 2010" in text
    assert "πολίτες και επισκέπτες" in text
    assert "ιστορία του τόπου" in text
    assert "Το αρχείο περιέχει 5 αποφάσεις" in text
    # The search box leads to the search page of the archive.
    assert f'action="{archive.absolute_url()}/@@archive-search"' in content
    assert 'name="q"' in content
    # Only decades with published decisions, with their counts.
    assert "1950–1959 (1 απόφαση)" in text
    assert "1980–1989 (4 αποφάσεις)" in text
    assert "1990" not in text  # the withheld decision of 1995
    decade_links = dict(links(content))
    assert params(decade_links["1980–1989"]) == [("decade", "1980")]


def test_home_lists_the_years_of_a_decade(portal, decisions):
    archive = get_archive(portal)
    _status, html = render(archive, "archive-home", decade="1980")
    content = main(html)
    text = text_of(content)
    assert "Αποφάσεις της δεκαετίας 1980–1989" in text
    assert "1983 (1 απόφαση)" in text
    assert "1987 (3 αποφάσεις)" in text
    year_links = dict(links(content))
    assert params(year_links["1987"]) == [("year", "1987")]
    assert year_links["Όλες οι δεκαετίες"].endswith("/@@archive-home")


def test_home_lists_a_years_decisions_by_date_and_number(portal, decisions):
    archive = get_archive(portal)
    _status, html = render(archive, "archive-home", year="1987")
    content = main(html)
    text = text_of(content)
    assert "Αποφάσεις του 1987" in text
    assert "3 αποφάσεις" in text
    rows = re.findall(r"<tr>(.*?)</tr>", content, re.S)[1:]
    numbers = [re.search(r'archive-nowrap">(\w+)</td>', row).group(1) for row in rows]
    assert numbers == ["1", "3", "12"]  # 20/01, then 15/03 by number
    assert "20/01/1987" in rows[0]
    titles = [text for text, _href in links(content)]
    assert any(t.startswith("Απόφαση 12/1987") for t in titles)
    trail = dict(links(content))
    assert params(trail["1980–1989"]) == [("decade", "1980")]


def test_a_years_decisions_come_in_pages(portal):
    api.portal.set_registry_record("municipality.archive.results_per_page", 5)
    for number in range(1, 8):
        add(number, 1990, "Κείμενο.", meeting_date=day(1990, 1, number))
    archive = get_archive(portal)
    _status, html = render(archive, "archive-home", year="1990")
    content = main(html)
    assert len(re.findall(r"<tr>", content)) == 1 + 5
    pager = links(content, "page-link")
    assert ("2", pager[1][1]) == pager[1]
    assert params(pager[1][1]) == [("year", "1990"), ("b_start", "5")]
    assert 'aria-current="page"' in content
    _status, html = render(archive, "archive-home", year="1990", b_start="5")
    rows = re.findall(r"<tr>(.*?)</tr>", main(html), re.S)[1:]
    assert len(rows) == 2
    assert "06/01/1990" in rows[0]


def test_home_refuses_a_bad_year_in_greek(portal, decisions):
    archive = get_archive(portal)
    status, html = render(archive, "archive-home", year="abc")
    assert status == 400
    text = text_of(main(html))
    assert "Δώστε το έτος ως αριθμό, π.χ. 1987." in text
    assert "1980–1989 (4 αποφάσεις)" in text  # the decades still shown


def test_an_empty_archive_says_so(portal):
    logout()
    _status, html = render(get_archive(portal), "archive-home")
    assert "Δεν έχει δημοσιευθεί ακόμη καμία απόφαση στο αρχείο." in text_of(html)


# -- the search page ----------------------------------------------------------------


def test_search_page_before_a_search(portal):
    status, html = render(portal, "archive-search")
    assert status == 200
    text = text_of(main(html))
    assert "Αναζήτηση στο ιστορικό αρχείο" in text
    assert "Γράψτε μία ή περισσότερες λέξεις" in text
    assert "archive-hits" not in html


def test_search_results_with_snippets_facets_and_filters(portal, decisions):
    status, html = render(portal, "archive-search", q="ΥΔΡΕΥΣΗ")
    assert status == 200
    content = main(html)
    text = text_of(content)
    assert "3 αποτελέσματα" in text
    # Snippets mark the words as the decisions write them.
    assert "<mark>ύδρευση</mark>" in content
    assert "<mark>ὕδρευσις</mark>" in content
    # Each result: title linking to the decision at its page, number/year,
    # meeting date, subject.
    hit = decisions["1987b"]
    href = next(h for t, h in links(content) if t.startswith("Απόφαση 3/1987"))
    assert href.startswith(hit.absolute_url() + "?")
    assert ("q", "ΥΔΡΕΥΣΗ") in params(href)
    assert ("page", "1") in params(href)
    assert "3/1987" in text
    assert "15/03/1987" in text
    assert "Ύδρευση οικισμού" in text
    # Facets: decades and years with counts; the withheld one not counted.
    facet_links = {t: h for t, h in links(content) if "(" in t}
    assert "1980–1989 (2)" in facet_links
    assert "1950–1959 (1)" in facet_links
    assert "1990–1999 (1)" not in facet_links
    assert ("decade", "1980") in params(facet_links["1980–1989 (2)"])
    assert "Έτη με τα περισσότερα αποτελέσματα" in text
    # Subject words, readable.
    # «Ὕδρευσις» and «Ύδρευση» are one subject word: three decisions, shown
    # in monotonic spelling.
    assert "ύδρευση (3)" in facet_links
    assert "οικισμού (1)" in facet_links
    # The active filter can be removed.
    assert "Λέξεις: ΥΔΡΕΥΣΗ" in text


def test_narrowing_by_decade_then_year_then_removing(portal, decisions):
    _status, html = render(portal, "archive-search", q="ύδρευση", decade="1980")
    content = main(html)
    text = text_of(content)
    assert "2 αποτελέσματα" in text
    assert "Δεκαετία: 1980–1989" in text
    # Other decades stay offered (counted without the decade filter).
    assert "1950–1959 (1)" in text
    year_links = dict(links(content))
    assert ("year", "1983") in params(year_links["1983 (1)"])
    _status, html = render(portal, "archive-search", q="ύδρευση", year="1983")
    content = main(html)
    assert "1 αποτέλεσμα" in text_of(content)
    chips = links(content, "archive-chip-remove")
    removes = dict(chips)
    year_remove = next(h for t, h in removes.items() if "Έτος: 1983" in t)
    assert params(year_remove) == [("q", "ύδρευση")]
    words_remove = next(h for t, h in removes.items() if "Λέξεις" in t)
    assert ("q", "ύδρευση") not in params(words_remove)
    assert ("year", "1983") in params(words_remove)


def test_subject_word_filter(portal, decisions):
    _status, html = render(portal, "archive-search", q="ύδρευση", term="οικισμου")
    content = main(html)
    text = text_of(content)
    assert "1 αποτέλεσμα" in text
    assert "Λέξη θέματος: οικισμού" in text
    # The filter is kept when the words change.
    assert 'name="term" type="hidden" value="οικισμου"' in content


def test_ordering_choices(portal, decisions):
    _status, html = render(portal, "archive-search", q="ύδρευση")
    content = main(html)
    assert '<option selected="selected" value="relevance"' in content
    _status, html = render(portal, "archive-search", q="ύδρευση", sort="date_asc")
    content = main(html)
    assert '<option selected="selected" value="date_asc"' in content
    titles = [t for t, _h in links(content) if t.startswith("Απόφαση")]
    assert [t.split(" — ")[0] for t in titles] == [
        "Απόφαση 4/1958",
        "Απόφαση 10/1983",
        "Απόφαση 3/1987",
    ]
    # Without words there is no relevance to order by.
    _status, html = render(portal, "archive-search", decade="1980")
    assert 'value="relevance"' not in main(html)


def test_results_come_in_pages(portal):
    api.portal.set_registry_record("municipality.archive.results_per_page", 5)
    for number in range(1, 13):
        add(
            number,
            2000,
            "Η ανακύκλωση των απορριμμάτων.",
            meeting_date=day(2000, 1, number),
        )
    logout()
    _status, html = render(portal, "archive-search", q="ανακύκλωση", sort="date")
    content = main(html)
    assert "Αποτελέσματα 1–5 από 12" in text_of(content)
    assert len(re.findall(r'class="archive-hit"', content)) == 5
    pager = dict(links(content, "page-link"))
    assert ("b_start", "5") in params(pager["2"])
    assert ("b_start", "5") in params(pager["Επόμενη σελίδα"])
    _status, html = render(
        portal, "archive-search", q="ανακύκλωση", sort="date", b_start="10"
    )
    content = main(html)
    assert "Αποτελέσματα 11–12 από 12" in text_of(content)
    assert '<ol class="archive-hits" start="11"' in content
    assert "Προηγούμενη σελίδα" in text_of(content)


def test_the_query_is_echoed_safely(portal, decisions):
    attack = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    _status, html = render(portal, "archive-search", q=attack)
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    content = main(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "Καμία απόφαση δεν ταιριάζει με την αναζήτησή σας." in text_of(content)


def test_no_match_and_bad_parameters_in_greek(portal, decisions):
    _status, html = render(portal, "archive-search", q="ανύπαρκτηλέξη")
    text = text_of(main(html))
    assert "Καμία απόφαση δεν ταιριάζει με την αναζήτησή σας." in text
    assert "Δοκιμάστε λιγότερες ή άλλες λέξεις" in text
    status, html = render(portal, "archive-search", q="ύδρευση", year="abc", sort="x")
    assert status == 400
    text = text_of(main(html))
    assert "Η αναζήτηση δεν έγινε:" in text
    assert "Δώστε το έτος ως αριθμό, π.χ. 1987." in text
    assert "date_asc (παλαιότερες πρώτα)" in text
    assert "archive-hits" not in html
    _status, html = render(portal, "archive-search", q="...")
    assert "Γράψτε τουλάχιστον μία λέξη" in text_of(main(html))


def test_the_same_page_on_the_archive_folder(portal, decisions):
    archive = get_archive(portal)
    _status, html = render(archive, "archive-search", q="ύδρευση")
    content = main(html)
    assert "3 αποτελέσματα" in text_of(content)
    assert f'action="{archive.absolute_url()}/@@archive-search"' in content


def test_thumbnail_of_the_matching_page(portal):
    decision = ingest(
        5,
        1979,
        ["Παρόντες σύμβουλοι.", "Ἡ ΔΕΝΔΡΟΦΥΤΕΥΣΙΣ τῆς πλατείας."],
        subject="Πράσινο",
        meeting_date=day(1979, 4, 2),
    )
    logout()
    _status, html = render(portal, "archive-search", q="δενδροφυτευση")
    content = main(html)
    assert f'src="{decision.absolute_url()}/@@page/2/thumbnail"' in content
    assert 'alt="Σελίδα 2 της απόφασης"' in content
    assert "<mark>ΔΕΝΔΡΟΦΥΤΕΥΣΙΣ</mark>" in content
