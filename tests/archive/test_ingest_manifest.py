"""The ingestion manifest: columns in English or Greek, checked with row numbers.

Unit tests of ``municipality.archive.ingest.manifest`` (no site, no OCR).
"""

from municipality.archive.ingest import manifest
from municipality.archive.ingest.runner import DEFAULT_SETTINGS
from municipality.archive.ingest.runner import languages_for

import datetime
import pytest
import unicodedata


def scans(folder, *names):
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"not read by the planner")
    return folder


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def folder(tmp_path):
    return scans(
        tmp_path / "scans",
        "vol12/0001.tif",
        "vol12/0002.tif",
        "vol12/0003.png",
        "loose/a.pdf",
    )


def test_rows_sharing_a_decision_are_its_pages_in_row_order(tmp_path, folder):
    csv = write(
        tmp_path / "m.csv",
        "file,decision,number,year,meeting_date,subject,volume,box,polytonic\n"
        "vol12/0002.tif,D1,123,1987,15/03/1987,Ύδρευση,12,4,\n"
        "vol12/0001.tif,D1,,,,,,,\n"
        "vol12/0003.png,,45Α,1990,1990-06-02,  Ονομασία   οδών ,12,4,no\n"
        "loose/a.pdf,,,1975,,,,,yes\n",
    )
    batch = manifest.plan(csv, [folder])
    assert batch.errors == []
    assert batch.skipped == []
    first, second, third = batch.decisions
    assert first.files == ["vol12/0002.tif", "vol12/0001.tif"]
    assert [p.name for p in first.paths] == ["0002.tif", "0001.tif"]
    assert first.rows == [2, 3]
    assert (first.number, first.year) == ("123", 1987)
    assert first.meeting_date == datetime.date(1987, 3, 15)
    assert (first.subject, first.volume, first.box) == ("Ύδρευση", "12", "4")
    assert first.polytonic is None
    assert second.files == ["vol12/0003.png"]
    assert second.number == "45Α"
    assert second.meeting_date == datetime.date(1990, 6, 2)
    assert second.subject == "Ονομασία οδών"
    assert second.polytonic is False
    assert third.files == ["loose/a.pdf"]
    assert (third.number, third.year, third.polytonic) == (None, 1975, True)
    assert "rows 2–3" in first.label
    assert "D1" in first.label


def test_greek_headers_semicolons_and_a_bom(tmp_path, folder):
    csv = write(
        tmp_path / "m.csv",
        "\ufeffΑΡΧΕΙΟ;Απόφαση;Αριθμός;ΕΤΟΣ;Ημερομηνία;Θέμα;Τόμος;Κουτί;Πολυτονικό\n"
        "vol12/0001.tif;;12/1979;;3.2.1979;Θέμα με; ελληνικά;Α;7;ναι\n",
    )
    # «Θέμα με; ελληνικά» is two cells: the row has more cells than columns.
    batch = manifest.plan(csv, [folder], only_manifest=True)
    assert any("row 2: more cells than the header" in e for e in batch.errors)

    csv = write(
        tmp_path / "m.csv",
        "\ufeffΑΡΧΕΙΟ;Απόφαση;Αριθμός;ΕΤΟΣ;Ημερομηνία;Θέμα;Τόμος;Κουτί;Πολυτονικό\n"
        'vol12/0001.tif;;12/1979;;3.2.1979;"Θέμα με; ελληνικά";Α;7;ναι\n',
    )
    batch = manifest.plan(csv, [folder], only_manifest=True)
    assert batch.errors == []
    (decision,) = batch.decisions
    assert (decision.number, decision.year) == ("12", 1979)
    assert decision.meeting_date == datetime.date(1979, 2, 3)
    assert decision.subject == "Θέμα με; ελληνικά"
    assert (decision.volume, decision.box, decision.polytonic) == ("Α", "7", True)
    assert {name for name, _ in batch.skipped} == {
        "vol12/0002.tif",
        "vol12/0003.png",
        "loose/a.pdf",
    }


def test_a_greek_excel_csv_in_windows_1253_is_read_with_a_warning(tmp_path, folder):
    csv = write(
        tmp_path / "m.csv",
        "αρχείο;θέμα\r\nvol12/0001.tif;Ύδρευση\r\n",
        encoding="cp1253",
    )
    batch = manifest.plan(csv, [folder], only_manifest=True)
    assert batch.errors == []
    assert batch.decisions[0].subject == "Ύδρευση"
    assert any("Windows-1253" in w for w in batch.warnings)


def test_every_error_names_its_row(tmp_path, folder):
    csv = write(
        tmp_path / "m.csv",
        "file,decision,number,year,meeting_date,polytonic\n"
        "vol12/0001.tif,,,87,,\n"
        "vol12/0002.tif,,,1987,31/02/1987,\n"
        "vol12/0003.png,,,,15-03-87,\n"
        "loose/a.pdf,,123456789012345678901,,,maybe\n"
        "missing.tif,,,,,\n"
        "notes.txt,,,,,\n"
        ",,1,,,\n",
    )
    batch = manifest.plan(csv, [folder])
    errors = "\n".join(batch.errors)
    assert "row 2: year «87» is not a year" in errors
    assert "row 3: date «31/02/1987» does not exist" in errors
    assert "row 4: date «15-03-87» is not dd/mm/yyyy or yyyy-mm-dd" in errors
    assert "row 5: number «123456789012345678901» is longer than 20" in errors
    assert "row 5: polytonic «maybe» is not yes or no" in errors
    assert "row 6: missing.tif: no such file in the scans folders" in errors
    assert "row 7: notes.txt: not a supported scan" in errors
    assert "row 8: no file" in errors
    assert len(batch.errors) == 8


def test_conflicting_metadata_in_one_decision(tmp_path, folder):
    csv = write(
        tmp_path / "m.csv",
        "file,decision,number,year,meeting_date,subject\n"
        "vol12/0001.tif,D,123,1987,,Ύδρευση\n"
        "vol12/0002.tif,D,124,1987,,Ύδρευση\n"
        "vol12/0003.png,E,7/1990,1991,,\n"
        "loose/a.pdf,F,,1990,01/02/1991,\n",
    )
    batch = manifest.plan(csv, [folder])
    errors = "\n".join(batch.errors)
    assert (
        "decision «D» (rows 2–3): different numbers: 123 (row 2), 124 (row 3)" in errors
    )
    assert "decision «E» (row 4): different years: 1990 (row 4), 1991 (row 4)" in (
        errors
    )
    assert (
        "decision «F» (row 5): the year 1990 and the meeting date 01/02/1991 "
        "disagree" in errors
    )
    assert len(batch.errors) == 3


def test_a_file_in_two_decisions_or_twice(tmp_path, folder):
    csv = write(
        tmp_path / "m.csv",
        "file,decision\n"
        "vol12/0001.tif,D\n"
        "vol12/0001.tif,E\n"
        "vol12/0002.tif,D\n"
        "./vol12\\0002.tif,D\n",
    )
    batch = manifest.plan(csv, [folder])
    assert batch.errors == [
        "row 3: vol12/0001.tif is already in decision «D» (row 2); "
        "a file belongs to one decision",
        "row 5: vol12/0002.tif is listed twice (also row 4)",
    ]


def test_header_problems_stop_the_reading(tmp_path, folder):
    csv = write(tmp_path / "m.csv", "αρχείο,έτος,χρονιά\nvol12/0001.tif,1987,\n")
    batch = manifest.plan(csv, [folder])
    assert len(batch.errors) == 1
    assert "row 1: unknown column «χρονιά»" in batch.errors[0]
    assert "the columns are: file, decision" in batch.errors[0]

    csv = write(tmp_path / "m.csv", "decision,year\nD,1987\n")
    assert "no «file» (αρχείο) column" in manifest.plan(csv, [folder]).errors[0]

    csv = write(tmp_path / "m.csv", "file,year,έτος\n")
    assert "are both year" in manifest.plan(csv, [folder]).errors[0]

    csv = write(tmp_path / "m.csv", "\n\n")
    assert manifest.plan(csv, [folder]).errors == [f"{csv}: the manifest is empty"]


def test_files_not_in_the_manifest_are_decisions_of_their_own(tmp_path, folder):
    scans(folder, "vol12/readme.txt", ".hidden/x.tif", "vol12/.DS_Store")
    scans(folder, "vol12/.ingest-state/pages/x.tif", "Scan.JPG")
    csv = write(folder / "manifest.csv", "file\nvol12/0001.tif\n")
    batch = manifest.plan(csv, [folder])
    assert batch.errors == []
    assert [d.files for d in batch.decisions] == [
        ["vol12/0001.tif"],
        ["Scan.JPG"],
        ["loose/a.pdf"],
        ["vol12/0002.tif"],
        ["vol12/0003.png"],
    ]
    assert [d.listed for d in batch.decisions] == [True, False, False, False, False]
    assert batch.decisions[1].label == "Scan.JPG (not in the manifest)"
    assert batch.skipped == [("vol12/readme.txt", "not a supported scan")]

    batch = manifest.plan(csv, [folder], only_manifest=True)
    assert [d.files for d in batch.decisions] == [["vol12/0001.tif"]]
    assert ("loose/a.pdf", "not in the manifest") in batch.skipped

    # No manifest: every scan is a decision of its own.
    batch = manifest.plan(None, [folder])
    assert len(batch.decisions) == 5
    assert batch.errors == []


def test_names_match_across_unicode_forms_and_suggest_the_case(tmp_path):
    decomposed = unicodedata.normalize("NFD", "Τόμος Α/σελίδα 1.tif")
    folder = scans(tmp_path / "scans", decomposed, "vol1/Page1.TIF")
    csv = write(
        tmp_path / "m.csv",
        "file\nΤόμος Α/σελίδα 1.tif\nvol1/page1.tif\n",
    )
    batch = manifest.plan(csv, [folder])
    assert batch.errors == [
        "row 3: vol1/page1.tif: no such file in the scans folders "
        "(did you mean vol1/Page1.TIF?)"
    ]
    assert batch.decisions[0].paths[0].exists()


def test_two_scans_folders(tmp_path):
    one = scans(tmp_path / "one", "0001.tif", "same.tif")
    two = scans(tmp_path / "two", "0002.tif", "same.tif")
    csv = write(tmp_path / "m.csv", "file,decision\n0001.tif,D\n0002.tif,D\n")
    batch = manifest.plan(csv, [one, two])
    assert batch.errors == []
    assert [p.parent.name for p in batch.decisions[0].paths] == ["one", "two"]
    # Not in the manifest and in both folders: told apart by the folder.
    assert [d.files for d in batch.decisions[1:]] == [
        ["one/same.tif"],
        ["two/same.tif"],
    ]

    csv = write(tmp_path / "m.csv", "file\nsame.tif\n")
    (error,) = manifest.plan(csv, [one, two]).errors
    assert error.startswith("row 2: same.tif is in more than one scans folder")

    assert manifest.plan(csv, [tmp_path / "nowhere"]).errors == [
        f"{tmp_path / 'nowhere'}: no such folder"
    ]


def test_paths_must_stay_inside_the_scans_folders(tmp_path, folder):
    csv = write(tmp_path / "m.csv", "file\n../secret.tif\n/etc/x.tif\nC:\\x.tif\n")
    assert manifest.plan(csv, [folder]).errors == [
        "row 2: ../secret.tif: «..» is not allowed",
        "row 3: /etc/x.tif: give the path relative to a scans folder",
        "row 4: C:/x.tif: give the path relative to a scans folder",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("15/03/1987", datetime.date(1987, 3, 15)),
        ("5/3/1987", datetime.date(1987, 3, 5)),
        ("15.03.1987", datetime.date(1987, 3, 15)),
        ("15-03-1987", datetime.date(1987, 3, 15)),
        ("1987-03-15", datetime.date(1987, 3, 15)),
    ],
)
def test_date_forms(value, expected):
    assert manifest.parse_date(value) == expected


def test_languages_by_option_column_flag_and_year():
    settings = dict(DEFAULT_SETTINGS, polytonic_languages="ell+grc")
    d = manifest.Decision(key="x", files=["a.tif"])
    assert languages_for(d, settings) == "ell"
    d.year = 1981
    assert languages_for(d, settings) == "ell+grc"
    d.year = 1982
    assert languages_for(d, settings) == "ell"
    assert languages_for(d, settings, polytonic=True) == "ell+grc"
    d.polytonic = False
    d.year = 1950
    # The row's own «no» beats the year and the batch's flag.
    assert languages_for(d, settings, polytonic=True) == "ell"
    d.polytonic = True
    d.year = 2000
    assert languages_for(d, settings) == "ell+grc"
    assert languages_for(d, settings, forced="ell") == "ell"
    assert languages_for(d, dict(settings, polytonic_before_year=2001)) == "ell+grc"
