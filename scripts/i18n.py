"""Rebuild the package's .pot from the code and sync the Greek .po with it.

    python scripts/i18n.py    # then translate the empty msgstr in el/…/municipality.po
    python scripts/i18n.py --fill greek.tsv   # …and fill them from a file

A fill file has one ``msgid<TAB>Greek`` per line (``\\n`` for a newline);
only empty translations are filled. The run holds a lock, so several people
working in one tree do not overwrite each other's catalogue.

i18ndude reads msgids from Python (``_()``), page templates and ZCML/GS XML.
"""

from pathlib import Path

import fcntl
import re
import subprocess
import sys
import tempfile


ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "municipality"
LOCALES = PACKAGE / "locales"
DOMAIN = "municipality"
LANGUAGES = ("el",)
I18NDUDE = str(Path(sys.executable).parent / "i18ndude")


def rebuild_pot(pot):
    """Write ``pot`` with every msgid of the ``municipality`` domain in the code."""
    subprocess.run(
        [I18NDUDE, "rebuild-pot", "--pot", str(pot), "--create", DOMAIN, str(PACKAGE)],
        check=True,
        capture_output=True,
    )


def sync(pot):
    for lang in LANGUAGES:
        po = LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        po.parent.mkdir(parents=True, exist_ok=True)
        if not po.exists():
            po.write_text(
                pot.read_text(encoding="utf-8").replace(
                    '"Language-Code: en\\n"', f'"Language-Code: {lang}\\n"'
                ),
                encoding="utf-8",
            )
        subprocess.run([I18NDUDE, "sync", "--pot", str(pot), str(po)], check=True)


def _po_string(text):
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def fill(po, translations):
    """Fill the empty msgstr of ``po`` whose msgid is in ``translations``."""
    lines = po.read_text(encoding="utf-8").split("\n")
    filled = 0
    for i, line in enumerate(lines[:-1]):
        match = re.fullmatch(r'msgid "(.*)"', line)
        if not match or lines[i + 1] != 'msgstr ""':
            continue
        msgid = match.group(1).replace('\\"', '"').replace("\\n", "\n")
        msgid = msgid.replace("\\\\", "\\")
        if msgid and msgid in translations:
            lines[i + 1] = f'msgstr "{_po_string(translations[msgid])}"'
            filled += 1
    po.write_text("\n".join(lines), encoding="utf-8")
    return filled


def read_fill_file(path):
    translations = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if "\t" in line:
            msgid, msgstr = line.split("\t", 1)
            translations[msgid.replace("\\n", "\n")] = msgstr.replace("\\n", "\n")
    return translations


def main(argv):
    pot = LOCALES / f"{DOMAIN}.pot"
    with (Path(tempfile.gettempdir()) / "municipality-i18n.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        rebuild_pot(pot)
        sync(pot)
        if argv[:1] == ["--fill"]:
            translations = read_fill_file(argv[1])
            po = LOCALES / "el" / "LC_MESSAGES" / f"{DOMAIN}.po"
            print(f"Filled {fill(po, translations)} translations in {po}")


if __name__ == "__main__":
    main(sys.argv[1:])
