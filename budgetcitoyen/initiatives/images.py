"""An initiative's photo made safe to publish: read as JPEG or PNG by its content (never its name), within
size limits, decoded in full (a truncated or disguised file is refused), turned upright, converted to
sRGB, then re-encoded from its pixels alone into a few widths for `srcset`. Nothing of the upload's bytes
reaches the public: no EXIF (GPS position, camera, date), no XMP, no comment, no embedded script.

Pillow only; no Flask, no database (the use cases in initiatives.photos store the result)."""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

from budgetcitoyen.errors import DomainError

ACCEPTED_FORMATS = ("JPEG", "PNG")
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# A decompression bomb is a small file of huge dimensions: refused from its header, before any decoding.
# 40 million pixels holds every phone and camera photo (a 48 MP phone saves 12 MP by default).
MAX_PIXELS = 40_000_000
# A PNG is decoded at full size (a JPEG at 1/2 to 1/8, see `draft`): 16 MP is 64 MB of pixels per upload.
MAX_PNG_PIXELS = 16_000_000
MIN_WIDTH = 480
# Wider than a 3:1 banner or taller than a 1:2 portrait would crush or stretch the cards.
MAX_RATIO, MIN_RATIO = 3.0, 0.5
# The widths served: a phone's card or column (480), a desktop page or a dense phone screen (960).
WIDTHS = (480, 960)
CONTENT_TYPE = "image/jpeg"
EXTENSION = ".jpg"
# JPEG rather than WebP: every browser in use shows it (old phones included); measured in the report.
QUALITY = 82
ALT_MAX_LENGTH = 250
_CHUNK = 64 * 1024
# What a hostile or damaged file makes Pillow raise while reading it.
_UNREADABLE = (UnidentifiedImageError, OSError, SyntaxError, EOFError, ValueError, TypeError, IndexError,
               KeyError, struct.error, zlib.error)

NOT_AN_IMAGE = ("Ce fichier n'est pas une photo JPEG ou PNG lisible (son contenu a été vérifié, quel que "
                "soit son nom) : enregistrez la photo en JPEG ou en PNG et déposez-la à nouveau.")
TOO_HEAVY = "La photo dépasse 10 Mo : réduisez-la (ou exportez-la en JPEG) et déposez-la à nouveau."


class PhotoRefused(DomainError):
    """A photo that cannot be published; the message says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="photo")


@dataclass(frozen=True)
class Rendition:
    """One re-encoded width of the photo."""

    width: int
    height: int
    data: bytes


@dataclass(frozen=True)
class PreparedPhoto:
    """The photo ready to store: its renditions, narrowest first, and the size of what was uploaded."""

    renditions: tuple[Rendition, ...]
    original_bytes: int


def read_upload(stream: BinaryIO, limit: int = MAX_UPLOAD_BYTES) -> bytes:
    """The uploaded bytes, read piece by piece and refused as soon as they pass the limit."""
    buffer = bytearray()
    while chunk := stream.read(_CHUNK):
        buffer += chunk
        if len(buffer) > limit:
            raise PhotoRefused(TOO_HEAVY)
    return bytes(buffer)


def _too_big(width: int, height: int, png: bool) -> PhotoRefused:
    limit = "16 millions de pixels au plus pour un PNG (par exemple 4 800 × 3 200)" if png else \
        "40 millions de pixels au plus (par exemple 8 000 × 5 000)"
    return PhotoRefused(f"La photo est trop grande ({width} × {height} pixels) : {limit}. Réduisez-la et "
                        "déposez-la à nouveau.")


def _open(data: bytes) -> Image.Image:
    """The image header, read as JPEG or PNG only; Pillow's own bomb check made an error, not a warning."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRefused("La photo est trop grande : 40 millions de pixels au plus (par exemple "
                           "8 000 × 5 000). Réduisez-la et déposez-la à nouveau.") from None
    except _UNREADABLE:
        raise PhotoRefused(NOT_AN_IMAGE) from None


def _to_srgb(image: Image.Image) -> Image.Image:
    """Colours as a browser assumes them (sRGB), so the profile need not be kept; unchanged when the
    embedded profile cannot be read."""
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "CMYK"):
        return image
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"),
                                              outputMode="RGB")
    except Exception:  # a broken profile only costs colour accuracy, never the upload
        return image
    return converted if converted is not None else image


def _flatten(image: Image.Image) -> Image.Image:
    """RGB pixels; transparency (PNG) laid on white, as the page's background."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode.startswith("I;16"):  # 16-bit greyscale PNG: to 8 bits first
        image = image.point(lambda value: value / 256).convert("L")
    return image.convert("RGB")


def _encode(image: Image.Image, width: int) -> Rendition:
    height = max(1, round(image.height * width / image.width))
    resized = image if image.width == width else image.resize((width, height), Image.Resampling.LANCZOS,
                                                              reducing_gap=3.0)
    # Pillow copies `info` (EXIF, XMP, comment, profile) from image to image and may write it back:
    # the saved file gets the pixels only.
    resized.info.clear()
    out = io.BytesIO()
    resized.save(out, "JPEG", quality=QUALITY, optimize=True, progressive=True)
    return Rendition(width, height, out.getvalue())


def prepare(data: bytes) -> PreparedPhoto:
    """Check the upload and re-encode it into the served widths, or refuse it (PhotoRefused)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoRefused(TOO_HEAVY)
    image = _open(data)
    width, height = image.size
    png = image.format == "PNG"
    if width * height > (MAX_PNG_PIXELS if png else MAX_PIXELS):
        raise _too_big(width, height, png)
    try:
        orientation = image.getexif().get(0x0112, 1)
        # A JPEG is decoded straight at a reduced scale (1/2, 1/4, 1/8), never below the widest size served.
        image.draft("RGB", (WIDTHS[-1], WIDTHS[-1]))
        image.load()
        image = ImageOps.exif_transpose(image) or image  # phones save portraits on their side
        image = _flatten(_to_srgb(image))
    except _UNREADABLE:
        raise PhotoRefused(NOT_AN_IMAGE) from None
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    if width < MIN_WIDTH:
        raise PhotoRefused(f"La photo est trop petite ({width} pixels de large) : il en faut au moins "
                           f"{MIN_WIDTH} pour qu'elle reste nette sur un écran.")
    if not MIN_RATIO <= width / height <= MAX_RATIO:
        raise PhotoRefused(f"La photo est trop étirée ({width} × {height} pixels) : recadrez-la entre le "
                           "format portrait 1:2 et le panoramique 3:1.")
    targets = sorted({min(target, image.width) for target in WIDTHS})
    return PreparedPhoto(tuple(_encode(image, target) for target in targets), len(data))


def check_alt_text(raw: str) -> str:
    """The alternative text, required: what the photo shows, for those who do not see it."""
    alt = " ".join(raw.split())
    if not alt:
        raise DomainError("Décrivez la photo en quelques mots (texte alternatif) : ce texte la remplace "
                          "pour les personnes qui ne la voient pas.", field="alt_text")
    if len(alt) > ALT_MAX_LENGTH:
        raise DomainError(f"Le texte alternatif ne doit pas dépasser {ALT_MAX_LENGTH} caractères.",
                          field="alt_text")
    if alt.lower().endswith((".jpg", ".jpeg", ".png")):
        raise DomainError("Décrivez ce que montre la photo plutôt que le nom de son fichier.",
                          field="alt_text")
    return alt
