"""The TaxisNet client's parsing, with fixed GSIS answers (no network)."""

from municipality.integrations.errors import ExternalSystemBadResponse
from municipality.integrations.taxisnet import decode_value
from municipality.integrations.taxisnet import normalize_taxid
from municipality.integrations.taxisnet import parse_token
from municipality.integrations.taxisnet import parse_userinfo
from municipality.integrations.taxisnet import TaxisNetClient
from municipality.integrations.taxisnet import TaxisNetError
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest


DOCUMENTED = (
    '<root><userinfo userid="User068933130   " taxid="068933130   " '
    'lastname="ΒΑΒΟΥΛΑ" firstname="ΕΥΤΥΧΙΑ" fathername="ΕΜΜΑΝΟΥΗΛ" '
    'mothername="ΑΝΝΑ" birthyear="1950"/></root>'
)


def test_documented_sample_is_trimmed():
    user = parse_userinfo(DOCUMENTED.encode("utf-8"))
    assert user.userid == "User068933130"
    assert user.taxid == "068933130"
    assert user.lastname == "ΒΑΒΟΥΛΑ"
    assert user.firstname == "ΕΥΤΥΧΙΑ"
    assert user.fathername == "ΕΜΜΑΝΟΥΗΛ"
    assert user.mothername == "ΑΝΝΑ"
    assert user.birthyear == "1950"
    assert user.fullname == "ΕΥΤΥΧΙΑ ΒΑΒΟΥΛΑ"


def test_entities_double_escaping_and_any_element_name():
    lastname = "".join(f"&#{ord(ch)};" for ch in "ΠΑΠΑΔΟΠΟΥΛΟΣ")
    firstname = "".join(f"&amp;#{ord(ch)};" for ch in "ΓΕΩΡΓΙΟΣ")
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<answer>'
        f'<person taxid=" 094259216 " userid="x" lastname="{lastname}" '
        f'firstname="{firstname}" fathername="&#x399;&#x3A9;" '
        'mothername="&quot;&amp; ΣΙΑ&quot;" birthyear=" 1978"/>'
        '<other taxid="068933130"/></answer>'
    )
    user = parse_userinfo(body)
    assert user.taxid == "094259216"
    assert user.lastname == "ΠΑΠΑΔΟΠΟΥΛΟΣ"
    assert user.firstname == "ΓΕΩΡΓΙΟΣ"
    assert user.fathername == "ΙΩ"
    assert user.mothername == '"& ΣΙΑ"'
    assert user.birthyear == "1978"


def test_bare_element_and_eight_digit_taxid():
    user = parse_userinfo('<userinfo taxid="68933130" lastname="Α" firstname="Β"/>')
    assert user.taxid == "068933130"


def test_json_error_is_tried_first():
    with pytest.raises(TaxisNetError) as info:
        parse_userinfo(
            b'{"error":"invalid_token","error_description":"Invalid access token: x"}',
            status=401,
        )
    assert info.value.error == "invalid_token"
    assert info.value.description == "Invalid access token: x"
    assert info.value.status == 401


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html><body>Login</body></html",
        b'{"access_token": "x"}',
        b'<root><userinfo taxid="123456781" lastname="A" firstname="B"/></root>',
        b'<root><userinfo taxid="068933130"/></root>',
        b"<root/>",
    ],
)
def test_unreadable_answers(body):
    with pytest.raises(ExternalSystemBadResponse):
        parse_userinfo(body)


def test_entity_declarations_are_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<root><userinfo taxid="068933130" lastname="&b;" firstname="B"/></root>'
    )
    external = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<root><userinfo taxid="068933130" lastname="&x;" firstname="B"/></root>'
    )
    for body in (bomb, external):
        with pytest.raises(ExternalSystemBadResponse, match="document type"):
            parse_userinfo(body)


def test_decode_value_leaves_named_references_and_bad_codes():
    assert decode_value("  &amp; &#0; &#917;  ") == "&amp; &#0; Ε"


def test_normalize_taxid():
    assert normalize_taxid("094259216") == "094259216"
    assert normalize_taxid(" 068933130   ") == "068933130"
    assert normalize_taxid("123456781") is None
    assert normalize_taxid("٠٦٨٩٣٣١٣٠") is None  # Arabic-Indic digits
    assert normalize_taxid("") is None


def test_parse_token():
    assert parse_token({"access_token": "t", "token_type": "bearer"}) == "t"
    with pytest.raises(TaxisNetError) as info:
        parse_token({"error": "invalid_grant", "error_description": "expired"}, 400)
    assert info.value.error == "invalid_grant"
    with pytest.raises(ExternalSystemBadResponse):
        parse_token({"token_type": "bearer"})
    with pytest.raises(ExternalSystemBadResponse):
        parse_token({"access_token": "t", "token_type": "mac"})


def test_urls():
    client = TaxisNetClient(
        "https://test.gsis.gr/", "my client", "s", variant="oauth2servergov"
    )
    url = urlsplit(client.authorize_url("st&ate", "https://portal.example/cb?a=1"))
    assert url.path == "/oauth2servergov/oauth/authorize"
    assert parse_qs(url.query) == {
        "response_type": ["code"],
        "client_id": ["my client"],
        "redirect_uri": ["https://portal.example/cb?a=1"],
        "scope": ["read"],
        "state": ["st&ate"],
    }
    logout = client.logout_url("https://portal.example/")
    assert logout == (
        "https://test.gsis.gr/oauth2servergov/logout/my%20client/"
        "?url=https%3A%2F%2Fportal.example%2F"
    )
    with pytest.raises(ValueError, match="variant"):
        TaxisNetClient("https://test.gsis.gr", "c", variant="oauth2")
