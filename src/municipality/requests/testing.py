"""Helpers for tests of the requests add-on: people and files.

Real files made on the spot: a PDF and images written by Pillow, a JPEG
whose EXIF carries a GPS position (what re-encoding must remove).
"""

from io import BytesIO
from PIL import Image
from plone import api


# The password of the users made here (test accounts only).
PASSWORD = "secret-Pa55word"  # noqa: S105

# EXIF tag ids (PIL.ExifTags): the GPS IFD pointer and a few GPS fields.
GPS_IFD = 0x8825
GPS_LATITUDE_REF = 1
GPS_LATITUDE = 2
GPS_LONGITUDE_REF = 3
GPS_LONGITUDE = 4
MAKE = 0x010F
ORIENTATION = 0x0112


def create_citizen(user_id, fullname=None, email=None, password=PASSWORD):
    """A registered citizen (the core's subscriber puts them in «citizens»)."""
    with api.env.adopt_roles(["Manager"]):
        user = api.user.create(
            username=user_id,
            email=email or f"{user_id}@example.gr",
            password=password,
            properties={"fullname": fullname or user_id.title()},
        )
        api.group.add_user(groupname="citizens", username=user_id)
    return user


def create_staff(user_id, group="protocol-clerks", fullname=None, email=None):
    """An employee in ``group`` (which gives them their roles)."""
    user = create_citizen(user_id, fullname, email)
    with api.env.adopt_roles(["Manager"]):
        api.group.add_user(groupname=group, username=user_id)
        api.group.add_user(groupname="employees", username=user_id)
    return user


def requests_folder():
    return api.portal.get()["requests"]


def image_bytes(fmt="JPEG", size=(64, 48), color=(200, 30, 30), exif=None):
    image = Image.new("RGB", size, color)
    out = BytesIO()
    options = {"exif": exif} if exif is not None else {}
    image.save(out, fmt, **options)
    return out.getvalue()


def gps_exif(orientation=None):
    """EXIF with a GPS position (Athens), a camera make and maybe an orientation."""
    exif = Image.Exif()
    exif[MAKE] = "PhoneCam"
    if orientation:
        exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[GPS_LATITUDE_REF] = "N"
    gps[GPS_LATITUDE] = (37.0, 58.0, 30.0)
    gps[GPS_LONGITUDE_REF] = "E"
    gps[GPS_LONGITUDE] = (23.0, 43.0, 40.0)
    return exif


def jpeg_with_gps(size=(64, 48), orientation=None):
    """A JPEG photo whose EXIF says where it was taken."""
    return image_bytes("JPEG", size=size, exif=gps_exif(orientation))


def png_bytes(size=(32, 32)):
    return image_bytes("PNG", size=size, color=(10, 120, 10))


def pdf_bytes():
    """A real one-page PDF."""
    out = BytesIO()
    Image.new("RGB", (60, 80), (255, 255, 255)).save(out, "PDF")
    return out.getvalue()
