"""Checks of what citizens send: text fields, email addresses, attachments.

Each check raises a :class:`zope.schema.ValidationError` whose ``doc()`` is a
translatable message, so the same check gives a Greek message in our forms
(through :mod:`municipality.requests.api`) and a JSON error naming the field
over plone.restapi (whose deserializer reports ``doc()`` per field).

Attachments are judged by their bytes, not by their name: a PDF, JPEG or PNG
is accepted only when its signature says so *and* its name and declared
content type do not claim something else. Images are decoded with Pillow
and, once stored, re-encoded (:func:`reencode_image`) so that no EXIF data,
GPS position included, survives.
"""

from io import BytesIO
from municipality import _
from PIL import Image
from PIL import ImageOps
from zope import schema

import re
import warnings


# Beyond this many pixels an "image" is a decompression bomb, not a photo
# (a 50 megapixel camera gives 8660 x 5773).
MAX_PIXELS = 60_000_000

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"

# Content type -> (file name extensions, declared content types meaning it).
ALLOWED = {
    PDF: ((".pdf",), {PDF, "application/x-pdf", "application/acrobat"}),
    JPEG: (
        (".jpg", ".jpeg", ".jpe", ".jfif"),
        {JPEG, "image/jpg", "image/pjpeg"},
    ),
    PNG: ((".png",), {PNG, "image/x-png"}),
}

# Declared types that say nothing about the file (browsers send these for
# unknown extensions).
_UNDECLARED = {"", "application/octet-stream", "binary/octet-stream"}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")


# -- text -------------------------------------------------------------------


class Blank(schema.ValidationError):
    __doc__ = _("This field cannot be empty.")


class TextTooLong(schema.ValidationError):
    """Longer than the field's limit; the limit is the first argument."""

    def doc(self):
        return _(
            "Write at most ${max} characters (you wrote ${length}).",
            mapping={"max": self.args[0], "length": self.args[1]},
        )


class InvalidEmail(schema.ValidationError):
    __doc__ = _("This is not a valid email address, e.g. name@example.gr.")


def text_constraint(max_length, required=True):
    """A constraint for a text field: not blank (if required), at most ``max_length``.

    zope.schema checks a constraint before ``max_length``, so the citizen
    reads our message, which says what the limit is.
    """

    def check(value):
        if required and not (value or "").strip():
            raise Blank(value)
        if value and len(value) > max_length:
            raise TextTooLong(max_length, len(value))
        return True

    return check


class NotAnEmployee(schema.ValidationError):
    __doc__ = _("Choose an employee of the municipality.")


def is_employee(value):
    """Constraint of the officer field: the user id of a member of staff."""
    from municipality.requests.vocabularies import staff_user_ids

    if value and value not in staff_user_ids():
        raise NotAnEmployee(value)
    return True


def is_email(value):
    """Constraint of email fields."""
    if value and not _EMAIL.match(value.strip()):
        raise InvalidEmail(value)
    return True


# -- attachments --------------------------------------------------------------


class AttachmentError(schema.ValidationError):
    """Base of the attachment errors; the first argument is the file name."""

    @property
    def filename(self):
        return self.args[0] if self.args else ""


class EmptyFile(AttachmentError):
    def doc(self):
        return _("The file «${name}» is empty.", mapping={"name": self.filename})


class FileTooLarge(AttachmentError):
    def doc(self):
        return _(
            "The file «${name}» is larger than ${size} MB.",
            mapping={"name": self.filename, "size": self.args[1]},
        )


class UnsupportedFileType(AttachmentError):
    def doc(self):
        return _(
            "The file «${name}» is not a PDF document or a JPEG or PNG image.",
            mapping={"name": self.filename},
        )


class FileTypeMismatch(AttachmentError):
    def doc(self):
        return _(
            "The file «${name}» is not what its name or type says: "
            "its content is ${actual}.",
            mapping={"name": self.filename, "actual": self.args[1]},
        )


class BrokenFile(AttachmentError):
    def doc(self):
        return _(
            "The file «${name}» is damaged or incomplete and cannot be opened.",
            mapping={"name": self.filename},
        )


class TooManyAttachments(schema.ValidationError):
    def doc(self):
        return _(
            "Attach at most ${max} files.",
            mapping={"max": self.args[0] if self.args else 0},
        )


# What the mismatch message calls each type.
_TYPE_NAMES = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG"}


def sniff(data):
    """The content type of ``data`` by its signature (PDF/JPEG/PNG), or ``None``."""
    head = bytes(data[:8])
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def _extension(filename):
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].lower()
    return "." + name.rsplit(".", 1)[1] if "." in name else ""


def check_attachment(data, filename, content_type=None, max_bytes=None):
    """Check one attachment; return its real content type.

    :param data: The file's bytes.
    :param filename: The name the citizen gave it (its extension must agree
        with the content, when it has one).
    :param content_type: The declared content type, if any (must agree too).
    :param max_bytes: The size limit; by default the setting.
    :raises AttachmentError: a subclass saying what is wrong.
    """
    from municipality.requests import settings

    if max_bytes is None:
        max_bytes = settings.max_attachment_bytes()
    name = filename or ""
    if not data:
        raise EmptyFile(name)
    if len(data) > max_bytes:
        raise FileTooLarge(name, max_bytes // (1024 * 1024))
    actual = sniff(data)
    if actual is None:
        raise UnsupportedFileType(name)
    extensions, declared_types = ALLOWED[actual]
    extension = _extension(name)
    declared = (content_type or "").split(";")[0].strip().lower()
    if (extension and extension not in extensions) or (
        declared not in _UNDECLARED and declared not in declared_types
    ):
        raise FileTypeMismatch(name, _TYPE_NAMES[actual])
    if actual == PDF:
        # Every complete PDF ends with an end-of-file marker.
        if b"%%EOF" not in bytes(data[-2048:]):
            raise BrokenFile(name)
    else:
        _check_image(data, actual, name)
    return actual


def _open_image(data):
    with warnings.catch_warnings():
        # Pillow only warns about very large images: make it an error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(BytesIO(data))


def _check_image(data, content_type, name):
    try:
        with _open_image(data) as image:
            if Image.MIME.get(image.format) != content_type:
                raise BrokenFile(name)
            if image.width * image.height > MAX_PIXELS:
                raise BrokenFile(name)
            image.load()
    except AttachmentError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as e:
        raise BrokenFile(name) from e
    except Image.DecompressionBombWarning as e:
        raise BrokenFile(name) from e


def valid_attachment(value):
    """Constraint of the attachment's file field (a NamedBlobFile)."""
    check_attachment(value.data, value.filename, value.contentType)
    return True


def reencode_image(data, content_type):
    """Decode and encode an image again, keeping only its pixels.

    EXIF (with the GPS position and the camera), XMP, comments and text
    chunks are dropped; the EXIF orientation is applied to the pixels first,
    so a portrait photo stays upright. The colour profile is kept.

    :returns: The new bytes.
    """
    with _open_image(data) as image:
        image.load()
        icc_profile = image.info.get("icc_profile")
        transparency = image.info.get("transparency")
        image = ImageOps.exif_transpose(image)
        # Pillow writes some of ``info`` back (a JPEG's comment): keep only
        # what shapes the pixels.
        image.info = {} if transparency is None else {"transparency": transparency}
        out = BytesIO()
        options = {"icc_profile": icc_profile} if icc_profile else {}
        if content_type == JPEG:
            if image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            image.save(out, "JPEG", quality=90, optimize=True, **options)
        else:
            image.save(out, "PNG", optimize=True, **options)
    return out.getvalue()


def has_metadata(data):
    """True if an image carries EXIF or XMP data (what re-encoding removes)."""
    with _open_image(data) as image:
        return bool(
            image.getexif()
            or "exif" in image.info
            or "xmp" in image.info
            or "XML:com.adobe.xmp" in image.info
        )
