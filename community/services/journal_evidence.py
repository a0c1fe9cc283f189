"""Evidence files: recognise what a file really is, strip what it says about its author, and
keep it encrypted under MEDIA_ROOT/journal/ with a random name.

The type is decided by opening the content, never by the file name or the browser's claim.
Images are re-encoded from their pixels alone, so EXIF (GPS, camera serial), XMP, IPTC and
comments are all gone; an image is turned upright first so the copy looks like the original.
PDFs are rewritten page by page with pypdf, without the document information (/Author,
/Creator, /Producer, ...), XMP streams, application data or comment authors
(docs/decisions/0045-pdf-evidence-without-metadata.md).
"""

import hashlib
import io
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PasswordType, PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from community.encryption import decrypt_bytes, encrypt_bytes, rotate_bytes
from community.models import JournalEvidence

MAX_EVIDENCE_BYTES = 8 * 1024 * 1024
MAX_FILES_PER_SAVE = 5
MAX_IMAGE_PIXELS = 40_000_000
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
# Keys that say who made a PDF or with what, wherever they sit (pages, images, fonts, forms):
# XMP streams and application-private data. The document information dictionary and the
# catalog (with its own XMP, embedded files and scripts) are not copied at all.
PDF_METADATA_KEYS = ("/Metadata", "/PieceInfo")


class EvidenceRejected(Exception):
    """A file we will not store; the message is shown to the member as is."""


@dataclass(frozen=True)
class PreparedEvidence:
    kind: str
    content_type: str
    extension: str
    data: bytes
    original_name: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def prepare_evidence(upload) -> PreparedEvidence:
    """Reads an uploaded file and returns the bytes to store, or raises EvidenceRejected."""
    name = os.path.basename(upload.name or "")[:200]
    if upload.size > MAX_EVIDENCE_BYTES:
        raise EvidenceRejected(
            _("“%(name)s” is larger than %(limit)s MB. Make it smaller or split it up.")
            % {"name": name, "limit": MAX_EVIDENCE_BYTES // (1024 * 1024)}
        )
    raw = upload.read()
    if not raw:
        raise EvidenceRejected(_("“%(name)s” is empty.") % {"name": name})
    if raw.startswith(b"%PDF-"):
        return _clean_pdf(raw, name)
    image = _open_image(raw)
    if image is not None:
        return _clean_image(image, name)
    if _is_plain_text(raw):
        return PreparedEvidence(
            JournalEvidence.Kind.TEXT, "text/plain; charset=utf-8", "txt", raw, name
        )
    raise EvidenceRejected(
        _("“%(name)s” is not an image (JPEG, PNG, WebP, GIF), a PDF or plain text.")
        % {"name": name}
    )


def _open_image(raw: bytes):
    try:
        image = Image.open(io.BytesIO(raw))
    except (UnidentifiedImageError, OSError):
        return None
    if image.format not in IMAGE_FORMATS:
        return None
    return image


def _clean_image(image, name: str) -> PreparedEvidence:
    width, height = image.size
    if width * height > MAX_IMAGE_PIXELS:
        raise EvidenceRejected(
            _("“%(name)s” has too many pixels. Save a smaller copy and try again.") % {"name": name}
        )
    is_jpeg = image.format == "JPEG"
    try:
        image = ImageOps.exif_transpose(image)
        image.load()
        if image.mode not in {"RGB", "RGBA", "L", "LA"}:
            image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        # A new image made from the pixels alone carries none of the original's metadata.
        clean = Image.frombytes(image.mode, image.size, image.tobytes())
        output = io.BytesIO()
        if is_jpeg and clean.mode in {"RGB", "L"}:
            clean.save(output, format="JPEG", quality=92)
            content_type, extension = "image/jpeg", "jpg"
        else:
            clean.save(output, format="PNG", optimize=True)
            content_type, extension = "image/png", "png"
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise EvidenceRejected(
            _("“%(name)s” could not be read as an image.") % {"name": name}
        ) from error
    return PreparedEvidence(
        JournalEvidence.Kind.IMAGE, content_type, extension, output.getvalue(), name
    )


def _clean_pdf(raw: bytes, name: str) -> PreparedEvidence:
    unreadable = _("“%(name)s” could not be read as a PDF. Save it again as a PDF and retry.") % {
        "name": name
    }
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise EvidenceRejected(
                _("“%(name)s” is protected with a password. Save a copy without one and retry.")
                % {"name": name}
            )
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        if not writer.pages:
            raise EvidenceRejected(unreadable)
        _strip_pdf_metadata(writer)
        writer.metadata = None  # no document information dictionary, not even a /Producer
        output = io.BytesIO()
        writer.write(output)
    except EvidenceRejected:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        # A damaged or hostile file: pypdf reports it in many ways, none of which we store.
        raise EvidenceRejected(unreadable) from error
    return PreparedEvidence(
        JournalEvidence.Kind.PDF, "application/pdf", "pdf", output.getvalue(), name
    )


def _strip_pdf_metadata(writer: PdfWriter) -> None:
    """Removes PDF_METADATA_KEYS from every object the pages reach, and the author's name
    from comments (a markup annotation's /T; a form widget's /T is its field name)."""
    seen: set[tuple[int, int]] = set()
    waiting: list = list(writer.pages)
    while waiting:
        item = waiting.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        if isinstance(item, DictionaryObject):  # streams (images, fonts) are dictionaries too
            for metadata_key in PDF_METADATA_KEYS:
                item.pop(metadata_key, None)
            if "/Rect" in item and item.get("/Subtype") not in (None, "/Widget"):
                item.pop("/T", None)
            waiting.extend(value for key, value in item.items() if key != "/Parent")
        elif isinstance(item, ArrayObject):
            waiting.extend(item)


def _is_plain_text(raw: bytes) -> bool:
    if b"\x00" in raw:
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def evidence_directory() -> Path:
    return Path(settings.MEDIA_ROOT) / "journal"


def evidence_path(stored_name: str) -> Path:
    return evidence_directory() / stored_name


def write_encrypted_file(data: bytes) -> str:
    """Stores `data` encrypted under a fresh random name and returns the name."""
    directory = evidence_directory()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    stored_name = secrets.token_hex(16)
    _atomic_write(directory / stored_name, encrypt_bytes(data))
    return stored_name


def read_evidence_bytes(evidence: JournalEvidence) -> bytes:
    return decrypt_bytes(evidence_path(evidence.stored_name).read_bytes())


def delete_evidence_files(stored_names: list[str]) -> None:
    for stored_name in stored_names:
        evidence_path(stored_name).unlink(missing_ok=True)


def rotate_evidence_files() -> int:
    """Key-rotation hook (community.encryption.ROTATION_HOOKS): re-encrypts every evidence file
    under the newest key. Returns how many files it rewrote."""
    rotated = 0
    for stored_name in JournalEvidence.objects.values_list("stored_name", flat=True).iterator():
        path = evidence_path(stored_name)
        if not path.exists():
            continue
        _atomic_write(path, rotate_bytes(path.read_bytes()))
        rotated += 1
    return rotated


def _atomic_write(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


# --- Showing images: the owner's thumbnails and the PDF export --------------------------------

THUMBNAIL_SIDE = 480


def open_stored_image(evidence: JournalEvidence, *, max_side: int):
    """The evidence image decrypted and scaled to fit `max_side` (never enlarged), as a Pillow
    image in RGB or RGBA; None when it is not an image or cannot be read (a damaged file, a
    missing file, a key that no longer opens it, too many pixels)."""
    if evidence.kind != JournalEvidence.Kind.IMAGE:
        return None
    try:
        image = Image.open(io.BytesIO(read_evidence_bytes(evidence)))
        width, height = image.size
        if width * height > MAX_IMAGE_PIXELS:
            return None
        image.draft("RGB", (max_side, max_side))  # JPEG: decode at a smaller scale, faster
        image.thumbnail((max_side, max_side))
        if image.mode not in {"RGB", "RGBA"}:
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        image.load()
    except Exception:  # noqa: BLE001 - whatever is wrong with the file, the page shows a placeholder
        return None
    return image


def evidence_thumbnail(evidence: JournalEvidence) -> tuple[bytes, str] | None:
    """A small copy of an evidence image for its owner's entry page, and its content type;
    None when the image cannot be shown."""
    image = open_stored_image(evidence, max_side=THUMBNAIL_SIDE)
    if image is None:
        return None
    output = io.BytesIO()
    if image.mode == "RGBA":
        image.save(output, format="PNG", optimize=True)
        return output.getvalue(), "image/png"
    image.save(output, format="JPEG", quality=85)
    return output.getvalue(), "image/jpeg"
