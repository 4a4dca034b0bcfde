"""RF payment codes (ISO 11649 creditor references), as Greek municipalities print them.

An RF code is ``RF`` + two check digits + a reference of 1–21 letters and
digits, at most 25 characters, printed in groups of four
(``RF18 5390 0754 7034``). The check digits make the whole code, moved
around and read as a number (A = 10 … Z = 35), leave 1 modulo 97; a
mistyped digit or two swapped digits are caught (``greek-domain.md`` §3)::

    from municipality.payments import rf

    rf.is_valid("rf18 5390 0754 7034")      # True: spaces and case are ignored
    rf.format("RF18539007547034")           # "RF18 5390 0754 7034"
    rf.generate("539007547034")             # "RF18539007547034"
    rf.code_for_number("ΠΛΗ-2026/000123")   # the municipality's own layout

Which 21 characters a municipality's references hold is decided by DIAS and
the bank it collects through, so the layout is a utility,
:class:`IPaymentCodeGenerator`. The default, :class:`MunicipalityCodeGenerator`,
writes the municipality's code, a two-digit series code, the year and the
number (see its docstring); a municipality with another layout registers
its own utility (``overrides.zcml``), nothing else changes.
"""

from municipality.core.refnumbers import parse_number
from zope.component import queryUtility
from zope.interface import implementer
from zope.interface import Interface

import re
import zlib


MAX_LENGTH = 25
MAX_REFERENCE = 21
_CODE = re.compile(r"^RF[0-9]{2}[A-Z0-9]{1,21}$")
_REFERENCE = re.compile(r"^[A-Z0-9]{1,21}$")


def normalize(text):
    """The code as typed, without spaces (any kind) and in capitals; "" for None."""
    return "".join((text or "").split()).upper()


def _as_number(text):
    """Letters as numbers (A = 10 … Z = 35), digits as they are, one integer."""
    return int("".join(str(int(char, 36)) for char in text))


def is_valid(code):
    """True when ``code`` (spaces and case ignored) is a well-formed RF code.

    ``RF`` + 2 check digits + 1–21 letters or digits, 25 characters at most,
    and the ISO 7064 mod 97-10 check holds.
    """
    code = normalize(code)
    if len(code) > MAX_LENGTH or not _CODE.match(code):
        return False
    return _as_number(code[4:] + code[:4]) % 97 == 1


def check_digits(reference):
    """The two check digits of ``reference`` (already normalised), as a string."""
    return f"{98 - _as_number(reference + 'RF00') % 97:02d}"


def generate(reference):
    """The RF code of ``reference`` (1–21 letters or digits; spaces ignored).

    :raises ValueError: the reference is empty, too long, or has other
        characters (Greek letters included: RF codes are Latin).
    """
    reference = normalize(reference)
    if not _REFERENCE.match(reference):
        raise ValueError(
            f"An RF reference is 1–{MAX_REFERENCE} Latin letters or digits: "
            f"{reference!r}"
        )
    return f"RF{check_digits(reference)}{reference}"


def format(code):  # noqa: A001 - the module's public name, as rf.format(code)
    """``RF18539007547034`` → ``RF18 5390 0754 7034`` (groups of four)."""
    code = normalize(code)
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


class IPaymentCodeGenerator(Interface):
    """Makes the RF code of something the municipality numbered.

    A utility; the default is :class:`MunicipalityCodeGenerator`.
    """

    def __call__(series, year, number):
        """The RF code (no spaces) of the item ``<series>-<year>/<number>``.

        :raises ValueError: when no code can be made for it.
        """


# The two digits of each reference series in the default layout. Series not
# listed get two digits from a checksum of their name (10–99), which never
# changes, but may coincide for two series: list every series you issue
# codes for.
SERIES_DIGITS = {
    "ΠΛΗ": "01",  # payments of this platform
    "ΔΦ": "02",  # municipal-tax declarations
    "ΚΛΗ": "03",  # traffic tickets registered through the portal
}


def series_digits(series):
    """The two digits of ``series`` in the default layout."""
    if series in SERIES_DIGITS:
        return SERIES_DIGITS[series]
    return f"{zlib.crc32(series.encode('utf-8')) % 90 + 10:02d}"


@implementer(IPaymentCodeGenerator)
class MunicipalityCodeGenerator:
    """The default layout of the 21-character reference.

    ``<municipality code, digits, at least 4><series, 2 digits><year, 2
    digits><number, 9 digits>``: for the municipality «9999», the payment
    ``ΠΛΗ-2026/000123`` has the reference ``9999 01 26 000000123`` and the
    code ``RF.. 9999 0126 0000 0012 3``. With a municipality code of up to
    8 characters the reference stays within 21.
    """

    def __init__(self, municipality_code=None):
        self._municipality_code = municipality_code

    def municipality_code(self):
        if self._municipality_code is not None:
            code = self._municipality_code
        else:
            from municipality.payments.settings import municipality_code

            code = municipality_code()
        code = normalize(code) or "9999"
        if not _REFERENCE.match(code) or len(code) > 8:
            raise ValueError(f"The municipality code {code!r} cannot be in an RF code")
        return code.rjust(4, "0")

    def __call__(self, series, year, number):
        if not 0 < int(number) < 10**9:
            raise ValueError(f"Number {number!r} out of range for an RF code")
        reference = (
            f"{self.municipality_code()}{series_digits(series)}"
            f"{int(year) % 100:02d}{int(number):09d}"
        )
        return generate(reference)


def code_for_number(reference_number):
    """The RF code of a reference number such as ``ΠΛΗ-2026/000123``.

    Uses the registered :class:`IPaymentCodeGenerator`, else the default.
    """
    series, year, number = parse_number(reference_number)
    generator = queryUtility(IPaymentCodeGenerator) or MunicipalityCodeGenerator()
    return generator(series, year, number)
