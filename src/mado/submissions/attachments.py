"""Attachment intake: size limits, content sniffing, unsafe-PDF refusal, random storage names.

Why this is strict: uploads come from anyone on the internet and are later
opened by staff on city-hall PCs. So the file name and the browser's
Content-Type are *claims* only; the type is decided from the first bytes
(magic numbers), a file whose content contradicts its name is refused as
disguised (an .exe renamed .pdf, an HTML page named .jpg), PDFs carrying
JavaScript, launch actions or embedded files are refused, and the file is
stored under ``attachments/<団体コード>/<uuid>`` — a name never derived from
the upload — with no public URL (staff download through a view that checks
the municipality, in a later issue).

The upload is streamed to a temporary file while counting and hashing, so an
oversized file is refused after ``max_size`` bytes without being read whole.
Only types with a recognisable signature can be accepted: JPEG, PNG and PDF.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import tempfile
import uuid
import zlib
from collections.abc import Iterable, Iterator
from pathlib import PurePath
from typing import IO, Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q

from mado.core.models import Municipality
from mado.submissions.models import Attachment, Submission

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
SUPPORTED_TYPES = (JPEG, PNG, PDF)

_CHUNK = 64 * 1024
_HEAD = 1024
_OBJSTM_LIMIT = 32 * 1024 * 1024  # decompressed bytes per object stream we are willing to scan
_LABELS = {JPEG: "JPEG", PNG: "PNG", PDF: "PDF"}
_ALIASES = {"image/jpg": JPEG, "image/pjpeg": JPEG, "image/x-png": PNG, "application/x-pdf": PDF}
# PDF names that make a document act on its own when opened.
_UNSAFE_PDF_NAMES = {
    b"/JavaScript",
    b"/JS",
    b"/Launch",
    b"/EmbeddedFile",
    b"/EmbeddedFiles",
    b"/RichMedia",
}
_PDF_NAME = re.compile(rb"/(?:[A-Za-z0-9_.+-]|#[0-9A-Fa-f]{2})+")
_STREAM = re.compile(rb"stream\r?\n")


class AttachmentError(ValueError):
    """A refused upload. ``code``: too_large, bad_type, disguised, empty, unsafe_pdf."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _size_label(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g} MB"
    if n >= 1024:
        return f"{n / 1024:g} KB"
    return f"{n} B"


def _types_label(types: Iterable[str]) -> str:
    return "・".join(_LABELS.get(t, t) for t in types)


def sniff(head: bytes) -> str:
    """The content type told by the first bytes of a file (``application/octet-stream`` if unknown)."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        return "image/heic"
    if head.startswith(b"MZ"):
        return "application/x-msdownload"
    if head.startswith(b"\x7fELF"):
        return "application/x-executable"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<script", b"<head", b"<body", b"<iframe")):
        return "text/html"
    if text.startswith((b"<svg", b"<?xml")):
        return "image/svg+xml"
    return "application/octet-stream"


def claimed_type(name: str, header_type: str = "") -> str:
    """The type the upload claims by its file name (or, without an extension, its header)."""
    suffix = PurePath(name or "").suffix.lower()
    guessed = mimetypes.guess_type(f"x{suffix}")[0] if suffix else None
    if suffix in (".jfif", ".jpe"):
        guessed = JPEG
    if guessed is None:  # no extension, or one we do not know: fall back to the header
        header = (header_type or "").split(";")[0].strip().lower()
        guessed = header if header and header != "application/octet-stream" else ""
    return _ALIASES.get(guessed, guessed)


def _chunks(uploaded: Any) -> Iterator[bytes]:
    if hasattr(uploaded, "chunks"):
        yield from uploaded.chunks(_CHUNK)
        return
    while True:
        block = uploaded.read(_CHUNK)
        if not block:
            return
        yield block


def _decode_name(raw: bytes) -> bytes:
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)


def _unsafe_names(data: bytes) -> set[bytes]:
    return {n for n in (_decode_name(m.group()) for m in _PDF_NAME.finditer(data))} & (
        _UNSAFE_PDF_NAMES
    )


def pdf_unsafe_features(data: bytes) -> set[str]:
    """Names of active features in a PDF, including those inside compressed object streams."""
    found = _unsafe_names(data)
    for m in _STREAM.finditer(data):
        start = m.start()
        header = data[max(0, start - 1024) : start]
        header = header[header.rfind(b"obj") :] if b"obj" in header else header
        if b"/ObjStm" not in header or b"/FlateDecode" not in header:
            continue
        end = data.find(b"endstream", m.end())
        body = data[m.end() : end if end != -1 else len(data)]
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(body, _OBJSTM_LIMIT)
        except zlib.error:
            continue  # a damaged stream cannot act either; the plain scan still applies
        if inflater.unconsumed_tail:
            found.add(b"/ObjStm(too large to check)")
        found |= _unsafe_names(inflated)
    return {n.decode("latin-1") for n in found}


def store_upload(
    municipality: Municipality,
    uploaded_file: Any,
    *,
    accept: list[str],
    max_size: int,
    submission: Submission | None = None,
    field_key: str = "",
) -> Attachment:
    """Check and store one upload; return its :class:`Attachment` or raise :class:`AttachmentError`.

    ``uploaded_file`` is a Django ``UploadedFile`` or any binary file object
    with a ``name``. ``accept`` lists content types (only JPEG, PNG, PDF can
    be accepted); ``max_size`` is in bytes.
    """
    accepted = {_ALIASES.get(t, t) for t in accept} & set(SUPPORTED_TYPES)
    allowed_label = _types_label(t for t in SUPPORTED_TYPES if t in accepted)
    name = PurePath(str(getattr(uploaded_file, "name", "") or "")).name[:255]
    declared = getattr(uploaded_file, "size", None)
    if isinstance(declared, int) and declared > max_size:
        raise _too_large(max_size)
    digest = hashlib.sha256()
    size = 0
    head = b""
    with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as tmp:
        for block in _chunks(uploaded_file):
            size += len(block)
            if size > max_size:
                raise _too_large(max_size)
            if len(head) < _HEAD:
                head += block[: _HEAD - len(head)]
            digest.update(block)
            tmp.write(block)
        if size == 0:
            raise AttachmentError(
                "empty",
                "ファイルが空です。もう一度選んでください / the file is empty; please choose it again",
            )
        actual = sniff(head)
        claim = claimed_type(name, getattr(uploaded_file, "content_type", "") or "")
        _check_type(actual, claim, accepted, allowed_label)
        if actual == PDF:
            tmp.seek(0)
            unsafe = pdf_unsafe_features(tmp.read())
            if unsafe:
                raise AttachmentError(
                    "unsafe_pdf",
                    "このPDFにはスクリプトや埋め込みファイルなどが含まれているため受け付けられません。"
                    "印刷してスキャンするか、画像として保存してください / this PDF contains scripts, "
                    "actions or embedded files and cannot be accepted; please print and scan it, "
                    "or save it as an image",
                )
        tmp.seek(0)
        return _save(
            municipality, tmp, actual, size, digest.hexdigest(), name, submission, field_key
        )


def _too_large(max_size: int) -> AttachmentError:
    return AttachmentError(
        "too_large",
        f"ファイルが大きすぎます({_size_label(max_size)}まで) / "
        f"the file is too large (up to {_size_label(max_size)})",
    )


def _check_type(actual: str, claim: str, accepted: set[str], allowed_label: str) -> None:
    if actual in accepted:
        # The content is acceptable. A name saying another *acceptable* type (a PNG
        # saved as .jpg by a phone) is harmless; any other contradiction is not.
        if claim and claim != actual and claim not in accepted:
            raise _disguised(actual, claim)
        return
    if claim in accepted:
        raise _disguised(actual, claim)
    hint = ""
    if actual == "image/heic":
        hint = "(iPhone の写真は「互換性優先」で JPEG にしてください / set iPhone photos to JPEG)"
    raise AttachmentError(
        "bad_type",
        f"この種類のファイルは受け付けられません。{allowed_label} のファイルを選んでください{hint} / "
        f"this type of file is not accepted; please choose a {allowed_label.replace('・', ', ')} file",
    )


def _disguised(actual: str, claim: str) -> AttachmentError:
    said = _LABELS.get(claim, claim or "?")
    return AttachmentError(
        "disguised",
        f"ファイル名({said})と中身({_LABELS.get(actual, actual)})が一致しません / "
        f"the file's content ({_LABELS.get(actual, actual)}) does not match its name ({said})",
    )


def _save(
    municipality: Municipality,
    tmp: IO[bytes],
    content_type: str,
    size: int,
    sha256: str,
    name: str,
    submission: Submission | None,
    field_key: str,
) -> Attachment:
    ref = uuid.uuid4()
    stored = default_storage.save(f"attachments/{municipality.code}/{ref.hex}", File(tmp))
    try:
        return Attachment.unscoped.create(
            municipality=municipality,
            ref=ref,
            submission=submission,
            field_key=field_key[:80],
            original_name=name,
            stored_path=stored,
            content_type=content_type,
            size=size,
            sha256=sha256,
        )
    except Exception:
        default_storage.delete(stored)
        raise


def open_stored(attachment: Attachment) -> IO[bytes]:
    """The stored bytes of an attachment (for staff views; callers check the municipality)."""
    return default_storage.open(attachment.stored_path, "rb")


def delete_stored(attachment: Attachment) -> None:
    """Remove an attachment's file (used when an expired draft is purged)."""
    default_storage.delete(attachment.stored_path)


def _parse_refs(refs: Iterable[str]) -> list[uuid.UUID] | None:
    """UUIDs of the given references (None if any is malformed)."""
    try:
        return [uuid.UUID(str(r)) for r in refs if r]
    except (ValueError, TypeError, AttributeError):
        return None


def set_submission_attachments(locked: Submission, refs: Iterable[str] | None) -> None:
    """Make the submission's attachments exactly ``refs`` (None: leave them as they are).

    Uploads the applicant replaced, or that belonged to a field logic hid, are
    removed (their files after commit), so staff see only what was submitted.
    """
    if refs is None:
        return
    refs = list(refs)
    wanted = _parse_refs(refs)
    rows = (
        list(
            Attachment.unscoped.filter(
                Q(submission__isnull=True) | Q(submission=locked),
                municipality_id=locked.municipality_id,
                ref__in=wanted,
            )
        )
        if wanted
        else []
    )
    if wanted is None or len({a.ref for a in rows}) != len(set(wanted)):
        raise AttachmentError(
            "missing",
            "添付ファイルが見つかりません。もう一度添付してください / "
            "an attachment was not found; please attach it again",
        )
    Attachment.unscoped.filter(pk__in=[a.pk for a in rows]).update(submission=locked)
    dropped = list(Attachment.unscoped.filter(submission=locked).exclude(ref__in=wanted))
    for attachment in dropped:
        attachment.delete()
        transaction.on_commit(lambda a=attachment: delete_stored(a))
