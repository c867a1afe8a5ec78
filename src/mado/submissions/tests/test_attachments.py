"""Attachment intake: sizes, sniffed types, disguised files, unsafe PDFs, storage names."""

from __future__ import annotations

import hashlib
import io
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from reportlab.pdfgen import canvas

from mado.submissions.attachments import AttachmentError, open_stored, store_upload
from mado.submissions.models import Attachment

ACCEPT = ["image/jpeg", "image/png", "application/pdf"]
MAX = 5 * 1024 * 1024


def image_bytes(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def pdf_bytes() -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.drawString(72, 720, "Mado test document")
    c.showPage()
    c.save()
    return out.getvalue()


def raw_pdf(catalog_extra: str) -> bytes:
    """A tiny hand-written PDF whose catalog carries ``catalog_extra``."""
    return (
        "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R " + catalog_extra + " >>\nendobj\n"
        "2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    ).encode()


def objstm_pdf(hidden: bytes) -> bytes:
    """A PDF whose action dictionary hides inside a compressed object stream."""
    body = zlib.compress(b"3 0 " + hidden)
    return (
        b"%PDF-1.5\n1 0 obj\n<< /Type /Catalog /OpenAction 3 0 R >>\nendobj\n"
        b"4 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
        + str(len(body)).encode()
        + b" >>\nstream\n"
        + body
        + b"\nendstream\nendobj\n%%EOF\n"
    )


def upload(name: str, content: bytes, content_type: str = "") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, content, content_type=content_type or "application/octet-stream"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name,content,expected",
    [
        ("photo.jpg", image_bytes("JPEG"), "image/jpeg"),
        ("scan.png", image_bytes("PNG"), "image/png"),
        ("住民票.pdf", pdf_bytes(), "application/pdf"),
        ("no-extension", image_bytes("PNG"), "image/png"),
        (
            "png-saved-as.jpg",
            image_bytes("PNG"),
            "image/png",
        ),  # harmless mislabel: sniffed type kept
    ],
)
def test_accepted_files_are_stored_with_sniffed_type(
    sample_city: Any, _media: Path, name: str, content: bytes, expected: str
) -> None:
    att = store_upload(sample_city, upload(name, content), accept=ACCEPT, max_size=MAX)
    att.refresh_from_db()
    assert att.content_type == expected
    assert att.size == len(content)
    assert att.sha256 == hashlib.sha256(content).hexdigest()
    assert att.original_name == name
    assert att.stored_path == f"attachments/{sample_city.code}/{att.ref.hex}"
    assert (Path(_media) / att.stored_path).read_bytes() == content
    with open_stored(att) as f:
        assert f.read() == content


@pytest.mark.django_db
def test_storage_name_never_comes_from_the_upload(sample_city: Any, _media: Path) -> None:
    att = store_upload(
        sample_city, upload("../../etc/passwd.png", image_bytes("PNG")), accept=ACCEPT, max_size=MAX
    )
    assert att.original_name == "passwd.png"
    assert "passwd" not in att.stored_path and ".." not in att.stored_path
    assert not (Path(_media).parent / "etc").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name,content,content_type,code",
    [
        ("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf", "disguised"),
        ("cat.jpg", b"<!DOCTYPE html><script>alert(1)</script>", "image/jpeg", "disguised"),
        ("cat", b"<html><body>x</body></html>", "image/jpeg", "disguised"),  # header claims JPEG
        ("doc.pdf.exe", pdf_bytes(), "", "disguised"),
        ("page.html", b"<html></html>", "text/html", "bad_type"),
        ("anim.gif", b"GIF89a" + b"\x00" * 40, "image/gif", "bad_type"),
        ("IMG_0001.HEIC", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 40, "image/heic", "bad_type"),
        ("empty.pdf", b"", "application/pdf", "empty"),
    ],
)
def test_refused_files(
    sample_city: Any, _media: Path, name: str, content: bytes, content_type: str, code: str
) -> None:
    with pytest.raises(AttachmentError) as exc:
        store_upload(sample_city, upload(name, content, content_type), accept=ACCEPT, max_size=MAX)
    assert exc.value.code == code
    assert " / " in exc.value.message  # Japanese first, then English
    assert not Attachment.unscoped.exists()
    assert not (Path(_media) / "attachments").exists() or not any(
        (Path(_media) / "attachments").rglob("*")
    )


@pytest.mark.django_db
def test_type_outside_accept_is_refused(sample_city: Any) -> None:
    with pytest.raises(AttachmentError) as exc:
        store_upload(sample_city, upload("a.pdf", pdf_bytes()), accept=["image/jpeg"], max_size=MAX)
    assert exc.value.code == "disguised" or exc.value.code == "bad_type"
    assert "JPEG" in exc.value.message


@pytest.mark.django_db
@pytest.mark.parametrize(
    "pdf",
    [
        raw_pdf("/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
        raw_pdf("/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"),  # hex-escaped names
        raw_pdf("/OpenAction << /S /Launch /F (cmd.exe) >>"),
        raw_pdf("/Names << /EmbeddedFiles 5 0 R >>"),
        objstm_pdf(b"<< /S /JavaScript /JS (app.alert(1)) >>"),
    ],
)
def test_active_pdfs_are_refused(sample_city: Any, pdf: bytes) -> None:
    with pytest.raises(AttachmentError) as exc:
        store_upload(sample_city, upload("form.pdf", pdf), accept=ACCEPT, max_size=MAX)
    assert exc.value.code == "unsafe_pdf"


@pytest.mark.django_db
def test_plain_hand_written_pdf_is_accepted(sample_city: Any) -> None:
    att = store_upload(sample_city, upload("a.pdf", raw_pdf("")), accept=ACCEPT, max_size=MAX)
    assert att.content_type == "application/pdf"
    assert store_upload(
        sample_city, upload("b.pdf", objstm_pdf(b"<< /Type /Page >>")), accept=ACCEPT, max_size=MAX
    )


class Endless(io.RawIOBase):
    """A 1 GB upload that counts how much of it was read."""

    name = "huge.pdf"
    content_type = "application/pdf"

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = 65536 if n is None or n < 0 else n
        if self.served >= 1 << 30:
            return b""
        block = (b"%PDF-1.4\n" if self.served == 0 else b"") + b"0" * n
        block = block[:n]
        self.served += len(block)
        return block


@pytest.mark.django_db
def test_oversize_is_refused_while_streaming(sample_city: Any) -> None:
    f = Endless()
    with pytest.raises(AttachmentError) as exc:
        store_upload(sample_city, f, accept=ACCEPT, max_size=1024 * 1024)
    assert exc.value.code == "too_large"
    assert "1 MB" in exc.value.message
    assert f.served <= 1024 * 1024 + 65536  # stopped at the limit, not after a gigabyte


@pytest.mark.django_db
def test_declared_size_over_limit_refused_before_reading(sample_city: Any) -> None:
    content = image_bytes("PNG")
    with pytest.raises(AttachmentError) as exc:
        store_upload(
            sample_city, upload("a.png", content), accept=ACCEPT, max_size=len(content) - 1
        )
    assert exc.value.code == "too_large"
    assert store_upload(sample_city, upload("a.png", content), accept=ACCEPT, max_size=len(content))
