"""The simulators process, exercised for real.

Most tests talk to one ``python -m municipality.simulators.server``
subprocess over HTTP (requests) and SMTP (smtplib). The plug-in API is
tested on an in-process :class:`SimulatorServer`, still over real sockets.
Nothing here needs Plone or tests/conftest.py.
"""

from email import message_from_bytes
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.mime.text import MIMEText
from email.utils import formataddr
from email.utils import formatdate
from email.utils import make_msgid
from municipality.simulators.mail import MailStore
from municipality.simulators.registry import json_response
from municipality.simulators.registry import read_json
from municipality.simulators.registry import Registry
from municipality.simulators.registry import SystemState
from municipality.simulators.registry import ValidationError
from municipality.simulators.server import SimulatorServer
from municipality.testing import start_simulators as _start_simulators

import pytest
import requests
import smtplib
import socket
import threading
import time


pytestmark = pytest.mark.slow

SYSTEMS = ("finance", "bank", "protocol", "taxisnet", "diavgeia", "tsa")
TIMEOUT = 10


def port_is_free(port: int) -> bool:
    """Tell whether ``port`` can be bound on 127.0.0.1 again."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def start_simulators(log):
    try:
        return _start_simulators(log, timeout=TIMEOUT)
    except RuntimeError as e:
        pytest.fail(str(e))


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    simulators = start_simulators(tmp_path_factory.mktemp("sim") / "server.log")
    yield simulators
    simulators.terminate()


@pytest.fixture
def sim(running):
    """The shared simulators, every system up and no mail stored."""
    assert running.post("/_admin/reset").status_code == 200
    assert running.delete("/mail/messages").status_code == 200
    return running


def send_mail(port: int, message, to_addrs: list[str]) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=TIMEOUT) as smtp:
        smtp.send_message(message, to_addrs=to_addrs)


# Health


def test_health_lists_every_system_and_the_smtp_address(sim):
    response = sim.get("/health")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    data = response.json()
    assert data["status"] == "ok"
    assert set(data["systems"]) == set(SYSTEMS)
    assert {s["mode"] for s in data["systems"].values()} == {"up"}
    assert data["smtp"] == {"host": "127.0.0.1", "port": sim.smtp_port}


@pytest.mark.parametrize("name", SYSTEMS)
def test_each_system_answers_its_health(sim, name):
    response = sim.get(f"/{name}/health")
    assert response.status_code == 200
    assert response.json() == {"system": name, "status": "ok", "mode": "up"}


def test_unknown_system_is_404(sim):
    response = sim.get("/nowhere/health")
    assert response.status_code == 404
    assert "nowhere" in response.json()["error"]["message"]


def test_unknown_endpoint_of_a_system_is_404(sim):
    response = sim.get("/protocol/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["message"]


# Failure modes


def test_down_answers_503_and_closes_the_connection(sim):
    assert sim.set_mode("protocol", mode="down") == {
        "system": "protocol",
        "mode": "down",
    }
    response = sim.get("/protocol/health")
    assert response.status_code == 503
    assert response.headers["Connection"] == "close"
    assert response.json()["error"]["system"] == "protocol"
    # Only that system is down; the process and the others are fine.
    assert sim.get("/finance/health").status_code == 200
    health = sim.get("/health")
    assert health.status_code == 200
    assert health.json()["systems"]["protocol"]["mode"] == "down"


def test_slow_waits_the_delay_then_answers_without_blocking_others(sim):
    assert sim.set_mode("bank", mode="slow", delay=1) == {
        "system": "bank",
        "mode": "slow",
        "delay": 1.0,
    }
    result = {}

    def slow_request():
        start = time.monotonic()
        result["response"] = sim.get("/bank/health")
        result["elapsed"] = time.monotonic() - start

    thread = threading.Thread(target=slow_request)
    thread.start()
    time.sleep(0.1)
    start = time.monotonic()
    assert sim.get("/finance/health").status_code == 200
    assert time.monotonic() - start < 0.5
    thread.join(TIMEOUT)
    assert result["elapsed"] >= 1.0
    assert result["response"].status_code == 200
    assert result["response"].json()["mode"] == "slow"


def test_slow_delay_defaults_to_five_seconds(sim):
    assert sim.set_mode("bank", mode="slow")["delay"] == 5.0


def test_error_answers_500_with_a_body_that_is_not_json(sim):
    assert sim.set_mode("finance", mode="error") == {
        "system": "finance",
        "mode": "error",
        "status": 500,
    }
    response = sim.get("/finance/health")
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.text == "Internal simulated failure"
    with pytest.raises(ValueError, match="Expecting value"):
        response.json()


def test_error_answers_the_status_asked_for(sim):
    sim.set_mode("diavgeia", mode="error", status=502)
    assert sim.get("/diavgeia/health").status_code == 502


def test_back_up_answers_200_again(sim):
    sim.set_mode("taxisnet", mode="down")
    assert sim.get("/taxisnet/health").status_code == 503
    assert sim.set_mode("taxisnet", mode="up") == {"system": "taxisnet", "mode": "up"}
    assert sim.get("/taxisnet/health").status_code == 200


def test_reset_puts_every_system_back_up(sim):
    sim.set_mode("finance", mode="down")
    sim.set_mode("bank", mode="slow", delay=3)
    sim.set_mode("protocol", mode="error", status=503)
    response = sim.post("/_admin/reset")
    assert response.status_code == 200
    assert {s["mode"] for s in response.json()["systems"].values()} == {"up"}
    listing = sim.get("/_admin/systems").json()["systems"]
    assert {s["mode"] for s in listing.values()} == {"up"}
    assert sim.get("/protocol/health").status_code == 200


# Admin


def test_admin_lists_the_systems(sim):
    sim.set_mode("bank", mode="down")
    systems = sim.get("/_admin/systems").json()["systems"]
    assert list(systems) == list(SYSTEMS)
    assert systems["bank"]["mode"] == "down"
    assert all(s["description"] for s in systems.values())


def test_admin_shows_one_system_with_its_routes(sim):
    data = sim.get("/_admin/systems/protocol").json()
    assert data["system"] == "protocol"
    assert data["mode"] == "up"
    assert "GET /health" in data["routes"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"mode": "sideways"}, "mode"),
        ({}, "mode"),
        ({"mode": "slow", "delay": "soon"}, "delay"),
        ({"mode": "slow", "delay": -1}, "delay"),
        ({"mode": "error", "status": 200}, "status"),
        ({"mode": "error", "status": "500"}, "status"),
        ({"mode": "up", "colour": "red"}, "colour"),
        (["down"], "body"),
    ],
)
def test_admin_rejects_bad_input_naming_the_field(sim, body, field):
    response = sim.post("/_admin/systems/protocol", json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == field
    assert error["message"]
    assert sim.get("/protocol/health").status_code == 200


def test_admin_rejects_a_body_that_is_not_json(sim):
    response = sim.post("/_admin/systems/protocol", data=b"mode=down")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "body"


def test_admin_rejects_an_unknown_system(sim):
    response = sim.post("/_admin/systems/nowhere", json={"mode": "down"})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "system"
    assert sim.get("/_admin/systems/nowhere").status_code == 404


def test_admin_wrong_method_is_405(sim):
    response = sim.get("/_admin/reset")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


# Mail


def plone_like_message(subject: str, body: str, to: str) -> MIMEText:
    """Build a message the way Plone's MailHost does (email.mime, compat32)."""
    message = MIMEText(body, "plain", "utf-8")
    message["Subject"] = Header(subject, "utf-8")
    message["From"] = formataddr(
        (str(Header("Δήμος Αθηναίων", "utf-8")), "noreply@dimos.gr")
    )
    message["To"] = to
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="dimos.gr")
    return message


def test_mail_greek_subject_and_body_come_back_intact(sim):
    subject = "Βεβαίωση μόνιμης κατοικίας — αίτηση 2024/117"
    # Ends in a newline: SMTP would add one anyway, as DATA ends with CRLF.
    body = "Αγαπητή κυρία Παπαδοπούλου,\n\nη αίτησή σας εγκρίθηκε.\n\nΔήμος\n"
    message = plone_like_message(subject, body, "polites@example.gr")
    send_mail(sim.smtp_port, message, ["polites@example.gr", "archive@dimos.gr"])

    listing = sim.get("/mail/messages").json()
    assert len(listing) == 1
    summary = listing[0]
    assert summary["from"] == "noreply@dimos.gr"
    # The envelope: the Bcc'd archive address is there although not in To.
    assert summary["to"] == ["polites@example.gr", "archive@dimos.gr"]
    assert summary["subject"] == subject
    assert summary["date"] == message["Date"]
    assert summary["received_at"]

    detail = sim.get(f"/mail/messages/{summary['id']}").json()
    assert detail["subject"] == subject
    assert detail["text"] == body
    assert detail["html"] is None
    headers = dict(detail["headers"])
    assert headers["From"] == "Δήμος Αθηναίων <noreply@dimos.gr>"
    assert headers["To"] == "polites@example.gr"

    raw = sim.get(f"/mail/messages/{summary['id']}/raw")
    assert raw.status_code == 200
    assert raw.headers["Content-Type"].startswith("message/rfc822")
    assert b"=?utf-8?" in raw.content
    parsed = message_from_bytes(raw.content, policy=policy.default)
    assert parsed["Subject"] == subject
    assert parsed.get_content().replace("\r\n", "\n") == body


def test_mail_html_alternative_and_greek_attachment(sim):
    message = EmailMessage()
    message["Subject"] = "Απόδειξη πληρωμής"
    message["From"] = "noreply@dimos.gr"
    message["To"] = "polites@example.gr"
    message.set_content("Ευχαριστούμε για την πληρωμή.")
    message.add_alternative(
        "<p>Ευχαριστούμε για την <b>πληρωμή</b>.</p>", subtype="html"
    )
    message.add_attachment(
        b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="απόδειξη.pdf"
    )
    send_mail(sim.smtp_port, message, ["polites@example.gr"])

    (summary,) = sim.get("/mail/messages").json()
    detail = sim.get(f"/mail/messages/{summary['id']}").json()
    assert detail["subject"] == "Απόδειξη πληρωμής"
    assert detail["text"] == "Ευχαριστούμε για την πληρωμή.\n"
    assert detail["html"] == "<p>Ευχαριστούμε για την <b>πληρωμή</b>.</p>\n"
    assert detail["attachments"] == [
        {"filename": "απόδειξη.pdf", "content_type": "application/pdf", "size": 13}
    ]


def test_mail_filter_by_recipient(sim):
    for to in ("a@example.gr", "b@example.gr", "a@example.gr"):
        send_mail(sim.smtp_port, plone_like_message("Θέμα", "Κείμενο", to), [to])
    assert len(sim.get("/mail/messages").json()) == 3
    only_a = sim.get("/mail/messages", params={"to": "A@example.gr"}).json()
    assert [m["to"] for m in only_a] == [["a@example.gr"], ["a@example.gr"]]


def test_mail_delete_one_and_clear_all(sim):
    for n in range(3):
        send_mail(
            sim.smtp_port,
            plone_like_message(f"Μήνυμα {n}", "…", "x@example.gr"),
            ["x@example.gr"],
        )
    ids = [m["id"] for m in sim.get("/mail/messages").json()]
    assert len(ids) == 3
    assert sim.delete(f"/mail/messages/{ids[0]}").status_code == 200
    assert sim.get(f"/mail/messages/{ids[0]}").status_code == 404
    assert sim.get(f"/mail/messages/{ids[0]}/raw").status_code == 404
    response = sim.delete("/mail/messages")
    assert response.json() == {"deleted": 2}
    assert sim.get("/mail/messages").json() == []
    assert sim.get("/health").json()["mail"] == {"messages": 0}


def test_mail_unknown_message_is_404(sim):
    assert sim.get("/mail/messages/424242").status_code == 404
    assert sim.get("/mail/messages/not-a-number").status_code == 404


def test_mail_is_kept_across_a_systems_reset(sim):
    send_mail(
        sim.smtp_port,
        plone_like_message("Θέμα", "Κείμενο", "x@example.gr"),
        ["x@example.gr"],
    )
    sim.post("/_admin/reset")
    assert len(sim.get("/mail/messages").json()) == 1


# Process


def test_sigterm_stops_both_servers_cleanly(tmp_path):
    simulators = start_simulators(tmp_path / "server.log")
    send_mail(
        simulators.smtp_port,
        plone_like_message("Θέμα", "Κείμενο", "x@example.gr"),
        ["x@example.gr"],
    )
    start = time.monotonic()
    assert simulators.terminate() == 0, simulators.output()
    assert time.monotonic() - start < 5
    assert "SIGTERM received" in simulators.output()
    assert port_is_free(simulators.http_port)
    assert port_is_free(simulators.smtp_port)


# In process: the API later modules plug their endpoints into


class LegacyArchive:
    """A WebOb-style handler class, as a system with many paths would mount."""

    def __call__(self, request):
        if request.path_info.startswith("/archive/"):
            return json_response(
                {"script_name": request.script_name, "path": request.path_info}
            )
        return None


def test_plugin_routes_and_mounted_handler_obey_the_mode():
    registry = Registry({"protocol": "Document protocol"})
    protocol = registry.get("protocol")
    numbers = iter(range(1, 100))

    @protocol.route("POST", "/documents")
    def register_document(request):
        data = read_json(request)
        if not data.get("subject"):
            raise ValidationError("subject", "Required")
        return json_response({"number": next(numbers), "subject": data["subject"]}, 201)

    @protocol.route("GET", "/documents/{number}")
    def get_document(request, number):
        return {"number": int(number), "mode": protocol.mode}

    protocol.mount(LegacyArchive())

    with SimulatorServer(port=0, smtp_port=0, registry=registry) as server:
        url = f"{server.url}/protocol"
        created = requests.post(
            f"{url}/documents", json={"subject": "Αίτηση"}, timeout=TIMEOUT
        )
        assert created.status_code == 201
        assert created.json() == {"number": 1, "subject": "Αίτηση"}

        invalid = requests.post(f"{url}/documents", json={}, timeout=TIMEOUT)
        assert invalid.status_code == 400
        assert invalid.json()["error"]["field"] == "subject"

        fetched = requests.get(f"{url}/documents/7", timeout=TIMEOUT)
        assert fetched.json() == {"number": 7, "mode": "up"}

        wrong_method = requests.delete(f"{url}/documents", timeout=TIMEOUT)
        assert wrong_method.status_code == 405
        assert wrong_method.headers["Allow"] == "POST"

        mounted = requests.get(f"{url}/archive/2019", timeout=TIMEOUT)
        assert mounted.json() == {"script_name": "/protocol", "path": "/archive/2019"}
        assert requests.get(f"{url}/elsewhere", timeout=TIMEOUT).status_code == 404

        # Modes apply to plug-in routes too, whether set in code or over HTTP.
        protocol.set_state(SystemState(mode="down"))
        assert requests.get(f"{url}/documents/7", timeout=TIMEOUT).status_code == 503
        admin = requests.post(
            f"{server.url}/_admin/systems/protocol",
            json={"mode": "error", "status": 504},
            timeout=TIMEOUT,
        )
        assert admin.status_code == 200
        assert protocol.mode == "error"
        assert requests.get(f"{url}/archive/2019", timeout=TIMEOUT).status_code == 504

        # The in-process server has its mail catcher too, on a port of its own.
        send_mail(
            server.smtp_port,
            plone_like_message("Θέμα", "Κείμενο", "x@example.gr"),
            ["x@example.gr"],
        )
        assert [m.subject for m in server.store.list()] == ["Θέμα"]
    assert port_is_free(server.smtp_port)


def test_mail_store_keeps_only_the_last_messages():
    store = MailStore(limit=3)
    for n in range(5):
        store.add(
            "a@example.gr", ["b@example.gr"], f"Subject: {n}\r\n\r\nx\r\n".encode()
        )
    assert [m.id for m in store.list()] == [3, 4, 5]
    assert store.get(1) is None
    assert store.get(5).subject == "4"
