"""The ``municipality`` distribution's last steps: languages and demo content.

Demo users exist so that every kind of person in the platform can be tried
out at once after ``make start``; a production site is created without them
(``setup_content: false``).
"""

from DateTime import DateTime
from datetime import datetime
from datetime import timedelta
from municipality import logger
from plone import api
from plone.app.textfield.value import RichTextValue
from plone.distribution.handler import post_handler as plone_post_handler

import pytz


# The password of every demo user (not of admin): shown by `make start`.
DEMO_PASSWORD = "demo1234"  # noqa: S105 (published demo password)

# user id -> (full name, groups)
DEMO_USERS = {
    "citizen": ("Μαρία Παπαδοπούλου", ("citizens",)),
    "verified": ("Γιώργος Νικολάου", ("citizens", "verified-citizens")),
    "business": ("Καφέ Πλατεία Ο.Ε.", ("businesses",)),
    "verified-business": (
        "Αρτοποιία Κωνσταντίνου Α.Ε.",
        ("businesses", "verified-businesses"),
    ),
    "employee": ("Ελένη Γεωργίου", ("employees",)),
    "revenue": ("Δημήτρης Αντωνίου", ("revenue-officers",)),
    "protocol": ("Κατερίνα Ιωάννου", ("protocol-clerks",)),
    "secretariat": ("Νίκος Βασιλείου", ("council-secretariat",)),
    "legal": ("Σοφία Αλεξίου", ("legal-office",)),
    "personnel": ("Παναγιώτης Δημητρίου", ("hr",)),
    "supervisor": ("Αναστασία Μιχαήλ", ("supervisors",)),
    "archivist": ("Ευάγγελος Σταθόπουλος", ("archivists",)),
}

NEWS = [
    (
        "Νέες ηλεκτρονικές υπηρεσίες για τους δημότες",
        "Αιτήσεις, πιστοποιητικά και πληρωμές οφειλών χωρίς επίσκεψη στο Δημαρχείο.",
        "<p>Ο Δήμος θέτει σε λειτουργία την πύλη ηλεκτρονικών υπηρεσιών. Οι δημότες "
        "μπορούν να υποβάλλουν αιτήματα, να ζητούν πιστοποιητικά και να πληρώνουν "
        "τις οφειλές τους με κάρτα, όλο το εικοσιτετράωρο.</p>",
    ),
    (
        "Διακοπή υδροδότησης στην Άνω Πόλη",
        "Την Τετάρτη, από τις 09:00 έως τις 14:00, λόγω εργασιών στο δίκτυο.",
        "<p>Λόγω εργασιών αντικατάστασης αγωγού θα διακοπεί η υδροδότηση στις οδούς "
        "Αγίου Δημητρίου και Ελευθερίας. Ζητούμε την κατανόησή σας.</p>",
    ),
    (
        "Συνεδρίαση του Δημοτικού Συμβουλίου",
        "Η ημερήσια διάταξη της τακτικής συνεδρίασης του μήνα.",
        "<p>Το Δημοτικό Συμβούλιο συνεδριάζει δημόσια στην αίθουσα του Δημαρχείου. "
        "Οι αποφάσεις αναρτώνται στη Διαύγεια.</p>",
    ),
]

EVENTS = [
    ("Χριστουγεννιάτικη αγορά στην κεντρική πλατεία", 20, 5),
    ("Αιμοδοσία στο Δημαρχείο", 9, 1),
]


def post_handler(distribution, site, answers):
    """After the profiles: logo, languages, and demo content if asked for."""
    plone_post_handler(distribution, site, answers)
    configure_languages(answers.get("default_language", "el"))
    configure_registration()
    if answers.get("setup_content"):
        from municipality.core.identity.demo import create_demo_identities
        from municipality.signing.demo import create_demo_signing

        create_demo_users()
        create_demo_identities(site)
        create_demo_signing(site)
        create_demo_content(site)
    return site


def configure_languages(default="el"):
    """Greek first, English second, switchable by the visitor."""
    languages = [default] + [lang for lang in ("el", "en") if lang != default]
    api.portal.set_registry_record("plone.available_languages", languages)
    api.portal.set_registry_record("plone.default_language", default)
    api.portal.set_registry_record("plone.use_cookie_negotiation", True)
    api.portal.set_registry_record("plone.use_request_negotiation", False)
    api.portal.set_registry_record("plone.display_flags", False)


def configure_registration():
    """Citizens may open an account themselves (Site Setup → Security).

    Plone sends the new user a link to set their password, which proves the
    email address. An account opened so is not verified: the verified services
    need TaxisNet or an in-person check (docs/identity.md).
    """
    api.portal.set_registry_record("plone.enable_self_reg", True)
    api.portal.set_registry_record("plone.enable_user_pwd_choice", False)


def create_demo_users():
    """One user per group of ``roles.GROUPS``, all with ``DEMO_PASSWORD``."""
    for user_id, (fullname, groups) in DEMO_USERS.items():
        if api.user.get(username=user_id) is None:
            api.user.create(
                username=user_id,
                email=f"{user_id}@example.gov.gr",
                password=DEMO_PASSWORD,
                properties={"fullname": fullname, "language": "el"},
            )
        for group in groups:
            api.group.add_user(groupname=group, username=user_id)
    logger.info("Demo users ready: %s", ", ".join(DEMO_USERS))


def create_demo_content(site):
    """News and events in Greek, published."""
    news = _folder(site, "news", "Νέα", "Ανακοινώσεις του Δήμου")
    for title, description, text in NEWS:
        _publish(
            api.content.create(
                container=news,
                type="News Item",
                title=title,
                description=description,
                text=RichTextValue(text, "text/html", "text/x-html-safe"),
                language="el",
            )
        )
    events = _folder(site, "events", "Εκδηλώσεις", "Το πρόγραμμα εκδηλώσεων του Δήμου")
    # pytz, not zoneinfo: Plone's event fields pickle pytz zones into the ZODB.
    athens = pytz.timezone("Europe/Athens")
    today = datetime.now(athens).date()
    for title, days_ahead, hours in EVENTS:
        day = today + timedelta(days=days_ahead)
        start = athens.localize(datetime(day.year, day.month, day.day, 18, 0))
        _publish(
            api.content.create(
                container=events,
                type="Event",
                title=title,
                start=start,
                end=start + timedelta(hours=hours),
                location="Κεντρική πλατεία",
                language="el",
            )
        )


def _folder(site, id_, title, description):
    if id_ in site:
        return site[id_]
    folder = api.content.create(
        container=site,
        type="Folder",
        id=id_,
        title=title,
        description=description,
        language="el",
    )
    _publish(folder)
    return folder


def _publish(obj):
    if api.content.get_state(obj=obj, default=None) != "published":
        api.content.transition(obj=obj, transition="publish")
    if obj.effective_date is None:
        # Listings sort and date news by publication date.
        obj.setEffectiveDate(DateTime())
        obj.reindexObject(idxs=["effective", "Date"])
