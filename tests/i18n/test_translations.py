"""Every msgid of the package has a Greek translation."""

from babel.messages.pofile import read_po
from pathlib import Path

import pytest
import shutil
import subprocess
import sys


PACKAGE = Path(__file__).resolve().parents[2] / "src" / "municipality"
LOCALES = PACKAGE / "locales"
# Beside the interpreter in a venv; on PATH or beside the script under buildout.
I18NDUDE = next(
    (
        str(p)
        for p in (
            Path(sys.executable).parent / "i18ndude",
            Path(sys.argv[0]).parent / "i18ndude",
        )
        if p.exists()
    ),
    shutil.which("i18ndude") or "i18ndude",
)


def _catalog(path):
    with path.open("rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def msgids(tmp_path_factory):
    """The msgids i18ndude finds in the code now (Python, templates, ZCML, XML)."""
    if not Path(I18NDUDE).exists() and not shutil.which(I18NDUDE):
        pytest.fail("i18ndude is not installed: `make install` installs it")
    pot = tmp_path_factory.mktemp("i18n") / "municipality.pot"
    subprocess.run(
        [
            I18NDUDE,
            "rebuild-pot",
            "--pot",
            str(pot),
            "--create",
            "municipality",
            str(PACKAGE),
        ],
        check=True,
        capture_output=True,
    )
    ids = {message.id for message in _catalog(pot) if message.id}
    assert len(ids) > 50, "the extraction found almost nothing: is it broken?"
    return ids


@pytest.fixture(scope="module")
def greek():
    return _catalog(LOCALES / "el" / "LC_MESSAGES" / "municipality.po")


def test_every_msgid_has_a_greek_translation(msgids, greek):
    missing = sorted(
        msgid
        for msgid in msgids
        if greek.get(msgid) is None or not greek[msgid].string or greek[msgid].fuzzy
    )
    assert missing == [], "msgids without Greek: run `make i18n` and translate them"


def test_mappings_are_kept_in_translations(greek):
    import re

    for message in greek:
        if not message.id or not message.string:
            continue
        assert set(re.findall(r"\$\{\w+\}", message.id)) == set(
            re.findall(r"\$\{\w+\}", message.string)
        ), message.id


def test_translation_is_used_at_runtime(portal):
    from municipality import _
    from zope.i18n import translate

    assert translate(_("Verified citizens"), target_language="el") == (
        "Πιστοποιημένοι πολίτες"
    )
