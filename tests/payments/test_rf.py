"""RF payment codes (ISO 11649): validation, formatting, generation, the layout."""

from municipality.payments import rf
from stdnum import iso11649

import pytest


VALID = ["RF18539007547034", "RF22123452024000000123456", "RF18000000000539007547034"]


@pytest.mark.parametrize("code", VALID)
def test_known_codes_are_valid(code):
    assert rf.is_valid(code)
    assert iso11649.is_valid(code)  # an independent implementation agrees


@pytest.mark.parametrize(
    "typed",
    ["rf18 5390 0754 7034", " RF18\t5390\u00a00754 7034 ", "Rf18539007547034"],
)
def test_spaces_and_case_are_ignored(typed):
    assert rf.normalize(typed) == "RF18539007547034"
    assert rf.is_valid(typed)


@pytest.mark.parametrize(
    "code",
    [
        "",
        None,
        "RF19539007547034",  # wrong check digits
        "RF18539007547043",  # two digits swapped
        "RF18539007547035",  # one digit wrong
        "RF18",  # no reference
        "RF1853900754703A",  # a letter where a digit was: wrong check
        "RF22123452024000000123456X",  # 26 characters
        "XX18539007547034",  # not RF
        "RF1A539007547034",  # check digits not digits
        "RF18 5390-0754-7034",  # a dash is not a space
        "RF18ΑΒΓ",  # Greek letters
        "RF\u0661\u0668539007547034",  # Arabic-Indic digits are not digits here
    ],
)
def test_bad_codes_are_refused(code):
    assert not rf.is_valid(code)


def test_format_in_groups_of_four():
    assert rf.format("RF18539007547034") == "RF18 5390 0754 7034"
    assert rf.format("rf22123452024000000123456") == "RF22 1234 5202 4000 0001 2345 6"


def test_generate_gives_the_published_examples():
    assert rf.generate("539007547034") == "RF18539007547034"
    assert rf.generate("123452024000000123456") == "RF22123452024000000123456"
    assert rf.generate("5390 0754 7034") == "RF18539007547034"


def test_generated_codes_are_valid_and_letters_work():
    for reference in ["1", "A", "ABC123", "Z" * 21, "9999012600000012"]:
        code = rf.generate(reference)
        assert rf.is_valid(code), code
        assert iso11649.is_valid(code), code


@pytest.mark.parametrize("reference", ["", "X" * 22, "ΑΒΓ", "12-34", "a_b"])
def test_generate_refuses_bad_references(reference):
    with pytest.raises(ValueError, match="RF reference"):
        rf.generate(reference)


def test_default_layout():
    generator = rf.MunicipalityCodeGenerator("9999")
    code = generator("ΠΛΗ", 2026, 123)
    assert code == rf.generate("9999" + "01" + "26" + "000000123")
    assert rf.is_valid(code)
    assert len(code) <= rf.MAX_LENGTH
    # A short municipality code is padded; the longest fits in 25.
    assert rf.MunicipalityCodeGenerator("42")("ΔΦ", 2026, 1)[4:8] == "0042"
    longest = rf.MunicipalityCodeGenerator("ABCD1234")("ΠΛΗ", 2026, 999_999_999)
    assert rf.is_valid(longest)
    assert len(longest) == 25


def test_default_layout_refuses_what_cannot_be_coded():
    with pytest.raises(ValueError, match="municipality code"):
        rf.MunicipalityCodeGenerator("123456789")("ΠΛΗ", 2026, 1)
    with pytest.raises(ValueError, match="municipality code"):
        rf.MunicipalityCodeGenerator("Δ-1")("ΠΛΗ", 2026, 1)
    with pytest.raises(ValueError, match="out of range"):
        rf.MunicipalityCodeGenerator("9999")("ΠΛΗ", 2026, 10**9)


def test_unknown_series_get_stable_distinct_digits():
    assert rf.series_digits("ΠΛΗ") == "01"
    digits = rf.series_digits("ΑΙΤ")
    assert digits == rf.series_digits("ΑΙΤ")
    assert 10 <= int(digits) <= 99


def test_code_for_number_uses_the_registered_generator(integration):
    from municipality.payments.settings import municipality_code

    code = rf.code_for_number("ΠΛΗ-2026/000123")
    assert rf.is_valid(code)
    assert code[4:].startswith((municipality_code() or "9999").rjust(4, "0"))
    with pytest.raises(ValueError, match="Not a reference number"):
        rf.code_for_number("not a number")
