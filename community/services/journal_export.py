"""Journal exports for an HR department, a lawyer or the police: a print-ready PDF and a JSON
file with every entry, every version, the evidence hashes and the chain; on request both come
in a zip with the evidence files.

The PDF uses the core Helvetica font (no font file is vendored), which covers Latin-1 only:
other characters are transliterated where Unicode allows it and replaced by "?" otherwise.
The JSON export always keeps the exact text, and it is what the chain hashes are computed on.
"""

import datetime
import io
import json
import unicodedata
import zipfile
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from fpdf import FPDF

from community.models import IncidentChannel, JournalEvidence
from community.selectors.journal import chain_versions, payload_for, verify_chain
from community.services.journal import GENESIS_HASH
from community.services.journal_evidence import open_stored_image, read_evidence_bytes

EXPORT_FORMAT = "journal-export/1"
HASH_RECIPE = (
    "For each version in chain_position order: hash = SHA-256 of the UTF-8 bytes of "
    "previous_hash + '\\n' + JSON(payload), where JSON uses sorted keys, the separators ',' and "
    "':' and no ASCII escaping. The first previous_hash is 64 zeros; each later one is the hash "
    "of the version before it. evidence_sha256 lists the SHA-256 of each evidence file attached "
    "to the entry up to that version."
)


def build_journal_export(*, owner) -> dict:
    versions = chain_versions(owner_id=owner.pk)
    report = verify_chain(owner_id=owner.pk, versions=versions)
    entries: dict[str, dict] = {}
    for version in versions:
        entry = version.entry
        record = entries.setdefault(
            entry.public_id,
            {
                "id": entry.public_id,
                "created_at": _iso(entry.created_at),
                "versions": [],
                "evidence": [
                    {
                        "id": item.public_id,
                        "file_name": item.original_name,
                        "kind": item.kind,
                        "content_type": item.content_type,
                        "size_bytes": item.size,
                        "sha256": item.sha256,
                        "added_in_version": item.added_in_version.number,
                        "archive_path": evidence_archive_path(item),
                    }
                    for item in entry.evidence.all()
                ],
            },
        )
        record["versions"].append(
            {
                "payload": payload_for(version),
                "previous_hash": version.previous_hash,
                "hash": version.entry_hash,
            }
        )
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _iso(timezone.now()),
        "chain": {
            "algorithm": "sha256",
            "genesis_hash": GENESIS_HASH,
            "head_hash": report.head_hash,
            "intact_when_exported": report.intact,
            "recipe": HASH_RECIPE,
        },
        "entries": sorted(entries.values(), key=lambda record: record["created_at"]),
    }


@dataclass(frozen=True)
class JournalDownload:
    content: bytes
    content_type: str
    file_name: str


def export_journal(*, owner, file_format: str, include_evidence: bool) -> JournalDownload:
    """The file the export page hands the owner: the PDF (`file_format` "pdf") or the JSON,
    inside a zip with the evidence files when `include_evidence`."""
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    if file_format == "pdf":
        download = JournalDownload(
            render_journal_pdf(owner=owner), "application/pdf", f"journal-{stamp}.pdf"
        )
    else:
        download = JournalDownload(
            render_journal_json(owner=owner), "application/json", f"journal-{stamp}.json"
        )
    if include_evidence:
        download = JournalDownload(
            build_journal_zip(
                owner=owner, main_name=download.file_name, main_bytes=download.content
            ),
            "application/zip",
            f"journal-{stamp}.zip",
        )
    return download


def render_journal_json(*, owner) -> bytes:
    return json.dumps(build_journal_export(owner=owner), ensure_ascii=False, indent=2).encode()


def evidence_archive_path(evidence: JournalEvidence) -> str:
    extension = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}.get(
        evidence.content_type, "txt"
    )
    return f"evidence/{evidence.public_id}.{extension}"


def build_journal_zip(*, owner, main_name: str, main_bytes: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(main_name, main_bytes)
        add_evidence_to_zip(archive=archive, owner=owner, prefix="")
    return buffer.getvalue()


def add_evidence_to_zip(*, archive: zipfile.ZipFile, owner, prefix: str) -> None:
    for evidence in JournalEvidence.objects.filter(entry__owner=owner).order_by("id"):
        archive.writestr(prefix + evidence_archive_path(evidence), read_evidence_bytes(evidence))


# --- PDF -------------------------------------------------------------------------------------

_CHANNELS = dict(IncidentChannel.choices)


def pdf_safe(text: str) -> str:
    """Text the core PDF fonts can draw (Latin-1), as close to the original as possible."""
    replacements = {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u2022": "*",
        "\u00a0": " ",
    }
    text = "".join(replacements.get(character, character) for character in str(text))
    result = []
    for character in text:
        if ord(character) < 256:
            result.append(character)
            continue
        decomposed = unicodedata.normalize("NFKD", character)
        ascii_only = decomposed.encode("latin-1", "ignore").decode("latin-1")
        result.append(ascii_only or "?")
    return "".join(result)


class _JournalPDF(FPDF):
    """The incident record as a PDF: one method per kind of block, drawn in order."""

    def footer(self):
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 8, pdf_safe(_("Page %(page)s") % {"page": self.page_no()}), align="C")

    def paragraph(self, text: str, *, font: str = "Helvetica", style: str = "", size: int = 10):
        self.set_font(font, style=style, size=size)
        height = {18: 7, 14: 7, 10: 5, 8: 4}.get(size, 5)
        self.multi_cell(self.epw, height, pdf_safe(text), new_x="LMARGIN", new_y="NEXT")

    def heading(self, text: str, size: int = 14) -> None:
        self.paragraph(text, style="B", size=size)

    def field(self, label: str, value: str) -> None:
        if value in ("", None):
            return
        self.paragraph(label, style="B")
        self.paragraph(value)
        self.ln(1)

    def small(self, text: str) -> None:
        self.paragraph(text, font="Courier", size=8)

    def cover(self, export: dict, exported_at: datetime.datetime) -> None:
        chain = export["chain"]
        count = len(export["entries"])
        self.heading(_("Incident record"), 18)
        self.paragraph(
            " ".join(
                (
                    exported_sentence(exported_at),
                    ngettext("%(count)d entry.", "%(count)d entries.", count) % {"count": count},
                    _(
                        "Each entry shows its current text and the history of its versions "
                        "with the time the server saved each one (in UTC)."
                    ),
                )
            )
        )
        state = _("intact") if chain["intact_when_exported"] else _("CHANGES FOUND")
        self.paragraph(_("Integrity check when exported: %(state)s.") % {"state": state})
        self.small(_("Chain head (SHA-256): %(hash)s") % {"hash": chain["head_hash"]})
        self.ln(4)

    def entry(self, number: int, record: dict, titles: dict, images: dict) -> None:
        current = record["versions"][-1]["payload"]
        self.heading(f"{number}. {current['title']}")
        when = date_format(datetime.date.fromisoformat(current["occurred_on"])) + (
            f" {current['occurred_time']}" if current["occurred_time"] else ""
        )
        if current["date_is_approximate"]:
            when += " " + _("(approximate)")
        self.field(_("When it happened"), when)
        self.field(_("How it happened"), str(_CHANNELS.get(current["channel"], current["channel"])))
        self.field(_("Place or meeting details"), current["place"])
        self.field(_("People involved"), current["people_involved"])
        self.field(_("Witnesses"), current["witnesses"])
        self.field(_("What happened"), current["what_happened"])
        self.field(_("How it affected me"), current["effect"])
        self.field(_("What I did next"), current["actions_taken"])
        if current["retaliation_for"]:
            self.field(_("Retaliation for"), titles.get(current["retaliation_for"], ""))
        self.evidence(record["evidence"], images)
        self.versions(record["versions"])
        self.ln(5)

    def evidence(self, files: list[dict], images: dict) -> None:
        for evidence in files:
            self.field(
                _("Evidence"),
                f"{evidence['file_name']} ({evidence['content_type']}, "
                f"{evidence['size_bytes']} bytes)",
            )
            self.small(f"SHA-256 {evidence['sha256']}")
            if evidence["kind"] == JournalEvidence.Kind.IMAGE:
                self.picture(images.get(evidence["id"]))

    def picture(self, stored) -> None:
        """The image at the page's width (or smaller: never enlarged, never taller than a
        page); a clear note instead when it cannot be read."""
        image = None if stored is None else open_stored_image(stored, max_side=PDF_IMAGE_SIDE)
        if image is None:
            self.paragraph(_("[This image could not be read, so it is not shown here.]"), style="I")
            self.ln(2)
            return
        width_mm = min(self.epw, image.width * MM_PER_PIXEL_AT_96_DPI)
        height_mm = width_mm * image.height / image.width
        tallest = self.eph - 10
        if height_mm > tallest:
            width_mm, height_mm = width_mm * tallest / height_mm, tallest
        if self.will_page_break(height_mm):
            self.add_page()
        self.image(image, x=self.l_margin, w=width_mm, h=height_mm)
        self.ln(3)

    def versions(self, versions: list[dict]) -> None:
        self.paragraph(_("Versions"), style="B")
        for version in versions:
            payload = version["payload"]
            self.small(
                f"v{payload['version']}  {payload['saved_at']}  #{payload['chain_position']}  "
                f"{version['hash']}"
            )


# Images in the PDF: at most this many pixels a side (enough for A4 at print quality), shown
# at their size on a 96-dpi screen, up to the page's width.
PDF_IMAGE_SIDE = 2000
MM_PER_PIXEL_AT_96_DPI = 25.4 / 96


def exported_sentence(moment: datetime.datetime) -> str:
    """ "Exported 2 December 2026 at 05:41." in the member's language and time zone."""
    local = timezone.localtime(moment)
    return _("Exported %(date)s at %(time)s.") % {
        # Translators: the export's date on the PDF's cover, in Django's date format syntax.
        "date": date_format(local, pgettext("journal export date", "j F Y")),
        "time": date_format(local, "TIME_FORMAT"),
    }


def render_journal_pdf(*, owner) -> bytes:
    exported_at = timezone.now()
    export = build_journal_export(owner=owner)
    images = {
        evidence.public_id: evidence
        for evidence in JournalEvidence.objects.filter(
            entry__owner=owner, kind=JournalEvidence.Kind.IMAGE
        )
    }
    pdf = _JournalPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_title(pdf_safe(_("Incident record")))
    pdf.add_page()
    pdf.cover(export, exported_at)
    titles = {
        record["id"]: record["versions"][-1]["payload"]["title"] for record in export["entries"]
    }
    for number, record in enumerate(export["entries"], start=1):
        pdf.entry(number, record, titles, images)
    return bytes(pdf.output())


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat()
