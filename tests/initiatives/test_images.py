"""A photo is judged by its content, never its name: disguised, truncated, huge or tiny files are refused
with a French reason; accepted ones come out re-encoded in the served widths, upright, without any of the
upload's metadata (GPS position above all)."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, ImageDraw

from budgetcitoyen.errors import DomainError
from budgetcitoyen.initiatives import images
from budgetcitoyen.initiatives.images import PhotoRefused, check_alt_text, prepare, read_upload

GPS_IFD, MAKE, ORIENTATION = 0x8825, 0x010F, 0x0112


def picture(width: int = 1600, height: int = 1200, mode: str = "RGB") -> Image.Image:
    """A drawn picture with detail (so re-encoding has something to compress)."""
    image = Image.new(mode, (width, height), "white")
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 23):
        draw.line((x, 0, width - x, height), fill=(x % 256, 90, 200) if mode != "L" else x % 256, width=3)
    return image


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (50.0, 17.0, 29.5)  # latitude of Arras
    gps[3], gps[4] = "E", (2.0, 46.0, 52.0)
    return encode(picture(), "JPEG", quality=95, exif=exif, comment=b"<?php system($_GET['c']); ?>")


def test_a_png_named_jpg_is_taken_for_what_it_is() -> None:
    # Names never reach `prepare`: the bytes are all it reads. A PNG is accepted as a PNG.
    data = encode(picture(), "PNG")
    assert Image.open(io.BytesIO(data)).format == "PNG"
    prepared = prepare(data)
    assert [Image.open(io.BytesIO(r.data)).format for r in prepared.renditions] == ["JPEG", "JPEG"]


@pytest.mark.parametrize("content", [
    b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
    b"<?php system($_GET['c']); ?>",
    b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",  # an image, but not one of ours
    b"%PDF-1.4\n%%EOF\n",
    b"\xff\xd8\xff\xe0<?php echo 1; ?>",  # a JPEG's first bytes, then a script
    b"",
])
def test_a_file_that_is_not_a_jpeg_or_png_is_refused_whatever_its_name(content: bytes) -> None:
    with pytest.raises(PhotoRefused, match="pas une photo JPEG ou PNG lisible") as refused:
        prepare(content)
    assert refused.value.field == "photo"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_truncated_image_is_refused(fmt: str) -> None:
    data = encode(picture(), fmt)
    with pytest.raises(PhotoRefused, match="pas une photo JPEG ou PNG lisible"):
        prepare(data[: len(data) // 2])


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims huge dimensions (a decompression bomb's signature)."""
    data = bytearray(encode(Image.new("L", (1, 1)), "PNG"))
    header = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[12:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(header))
    return bytes(data)


@pytest.mark.parametrize(("width", "height"), [(5000, 4000), (30000, 30000), (100_000, 100_000)])
def test_a_huge_dimension_image_is_refused_before_decoding(width: int, height: int) -> None:
    # 20 MP (over our PNG limit), 900 MP and 10 000 MP (over Pillow's own bomb limits): refused cleanly.
    with pytest.raises(PhotoRefused, match="trop grande"):
        prepare(_png_claiming(width, height))


def test_a_jpeg_over_forty_megapixels_is_refused_from_its_header() -> None:
    data = bytearray(encode(Image.new("RGB", (16, 16)), "JPEG"))
    frame = data.index(b"\xff\xc0")  # the start-of-frame segment holds height then width
    data[frame + 5:frame + 9] = struct.pack(">HH", 6000, 8000)  # 48 MP
    with pytest.raises(PhotoRefused, match=r"trop grande \(8000 × 6000 pixels\) : 40 millions"):
        prepare(bytes(data))


def test_a_too_small_or_too_stretched_photo_is_refused() -> None:
    with pytest.raises(PhotoRefused, match=r"trop petite \(320 pixels de large"):
        prepare(encode(picture(320, 240), "PNG"))
    with pytest.raises(PhotoRefused, match="trop étirée"):
        prepare(encode(picture(2000, 500), "JPEG"))


def test_a_file_over_ten_megabytes_is_refused_while_reading() -> None:
    class Endless(io.RawIOBase):
        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            buffer[:] = b"\0" * len(buffer)
            return len(buffer)

    with pytest.raises(PhotoRefused, match="dépasse 10 Mo"):
        read_upload(Endless())  # type: ignore[arg-type]


def test_metadata_is_stripped_gps_above_all() -> None:
    original = jpeg_with_gps()
    assert GPS_IFD in Image.open(io.BytesIO(original)).getexif()  # the test file really carries it
    assert b"<?php" in original
    for rendition in prepare(original).renditions:
        out = Image.open(io.BytesIO(rendition.data))
        assert dict(out.getexif()) == {}
        assert not {"exif", "xmp", "icc_profile", "comment"} & set(out.info)
        assert b"Exif" not in rendition.data and b"PhoneMaker" not in rendition.data
        assert b"<?php" not in rendition.data


def test_sizes_are_produced_narrowest_first_and_never_enlarged() -> None:
    prepared = prepare(encode(picture(1600, 1200), "JPEG", quality=95))
    assert [(r.width, r.height) for r in prepared.renditions] == [(480, 360), (960, 720)]
    for rendition in prepared.renditions:
        assert Image.open(io.BytesIO(rendition.data)).size == (rendition.width, rendition.height)
    assert sum(len(r.data) for r in prepared.renditions) < prepared.original_bytes
    # Narrower than 960: the original width is the widest served, not an enlargement.
    assert [r.width for r in prepare(encode(picture(700, 500), "PNG")).renditions] == [480, 700]


def test_a_sideways_phone_photo_comes_out_upright() -> None:
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # stored landscape, to be shown turned a quarter: a portrait
    prepared = prepare(encode(picture(1200, 900), "JPEG", exif=exif))
    assert [(r.width, r.height) for r in prepared.renditions] == [(480, 640), (900, 1200)]


def test_transparency_greyscale_and_cmyk_become_plain_rgb() -> None:
    transparent = picture(800, 600).convert("RGBA")
    transparent.putalpha(0)
    out = Image.open(io.BytesIO(prepare(encode(transparent, "PNG")).renditions[0].data))
    assert out.mode == "RGB" and out.getpixel((10, 10)) == (255, 255, 255)  # laid on white
    for image, fmt in ((picture(800, 600, "L"), "PNG"), (picture(800, 600).convert("CMYK"), "JPEG"),
                       (picture(800, 600).convert("P"), "PNG")):
        assert Image.open(io.BytesIO(prepare(encode(image, fmt)).renditions[0].data)).mode == "RGB"


@pytest.mark.parametrize(("raw", "message"), [
    ("", "Décrivez la photo"), ("   ", "Décrivez la photo"), ("x" * 251, "250 caractères"),
    ("IMG_2041.JPG", "plutôt que le nom de son fichier"),
])
def test_the_alternative_text_is_required_and_meaningful(raw: str, message: str) -> None:
    with pytest.raises(DomainError, match=message):
        check_alt_text(raw)
    assert check_alt_text("  Des bénévoles\n réparent un vélo ") == "Des bénévoles réparent un vélo"


def test_limits_are_those_the_form_announces() -> None:
    assert images.MAX_UPLOAD_BYTES == 10 * 1024 * 1024 and images.WIDTHS == (480, 960)
