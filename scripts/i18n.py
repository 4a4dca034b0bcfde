"""Rebuild the package's .pot from the code and sync the Greek .po with it.

    python scripts/i18n.py    # then translate the empty msgstr in el/…/municipality.po

i18ndude reads msgids from Python (``_()``), page templates and ZCML/GS XML.
"""

from pathlib import Path

import subprocess
import sys


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


def main():
    pot = LOCALES / f"{DOMAIN}.pot"
    rebuild_pot(pot)
    sync(pot)


if __name__ == "__main__":
    main()
