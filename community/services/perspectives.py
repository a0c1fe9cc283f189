"""Members' perspectives on the library's articles: the sections they attach to, adding,
editing and deleting them, marking one helpful; and the changes moderation decides (hiding,
removing, redacting), which it asks for here (moderation/flaggables.py).

An article's sections come from its Markdown headings; `sync_sections` runs whenever staff
save the article (the admin) or the library is seeded, and keeps each section's row, and so
its perspectives, as long as its heading stays."""

import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.before_you_send import hold_back_if_identifying
from community.models import Article, ArticleSection, Perspective, PerspectiveHelpful

MAX_BODY = 2000
MAX_CONTENT_WARNING = 200
CLOSING_HEADING = gettext_lazy("What else to take into account")

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^[ \t]*(```|~~~)")


class PerspectiveError(Exception):
    """A refusal the view shows as it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SectionText:
    heading: str
    body: str


def split_sections(markdown: str) -> tuple[str, list[SectionText]]:
    """The text before the first heading, and every (heading, text under it) in order.
    Headings inside fenced code are text."""
    intro: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    fenced = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        heading = None if fenced else _HEADING.match(line)
        if heading:
            sections.append((heading.group(2).strip(), []))
        elif sections:
            sections[-1][1].append(line)
        else:
            intro.append(line)
    return "\n".join(intro).strip(), [
        SectionText(heading=title, body="\n".join(lines).strip()) for title, lines in sections
    ]


def _keys(headings: list[str]) -> list[str]:
    keys, seen = [], set()
    for heading in headings:
        base = slugify(heading)[:70] or "section"
        key, number = base, 2
        while key in seen or key == ArticleSection.CLOSING_KEY:
            key, number = f"{base}-{number}", number + 1
        seen.add(key)
        keys.append(key)
    return keys


@transaction.atomic
def sync_sections(*, article: Article) -> list[ArticleSection]:
    """Makes the article's sections match its body's headings: a heading kept keeps its row
    (and perspectives), a new one gets a row, a removed one is retired; the closing section
    ("What else to take into account") always comes last."""
    _intro, parsed = split_sections(article.body)
    existing = {section.key: section for section in article.sections.select_for_update()}
    kept = []
    for position, (key, text) in enumerate(
        zip(_keys([s.heading for s in parsed]), parsed, strict=True)
    ):
        section = existing.pop(key, None) or ArticleSection(article=article, key=key)
        section.heading, section.body = text.heading, text.body
        section.position, section.retired = position, False
        section.save()
        kept.append(section)
    closing = existing.pop(ArticleSection.CLOSING_KEY, None) or ArticleSection(
        article=article, key=ArticleSection.CLOSING_KEY
    )
    closing.heading, closing.body = str(CLOSING_HEADING), ""
    closing.position, closing.retired = len(kept), False
    closing.save()
    for gone in existing.values():
        gone.retired = True
        gone.position = len(kept) + 1 + gone.position
        gone.save(update_fields=["retired", "position"])
    return [*kept, closing]


def _clean(body: str, content_warning: str) -> tuple[str, str]:
    body, content_warning = (body or "").strip(), (content_warning or "").strip()
    if not body:
        raise PerspectiveError(_("Write your perspective first."))
    if len(body) > MAX_BODY:
        raise PerspectiveError(
            _("A perspective can be at most %(count)s characters.") % {"count": MAX_BODY}
        )
    if len(content_warning) > MAX_CONTENT_WARNING:
        raise PerspectiveError(
            _("A content warning can be at most %(count)s characters.")
            % {"count": MAX_CONTENT_WARNING}
        )
    return body, content_warning


def add_perspective(
    *,
    author,
    section: ArticleSection,
    body: str,
    content_warning: str = "",
    is_anonymous=False,
    confirmed: bool = False,
) -> Perspective:
    """Adds the perspective, unless it would identify its author and they have not confirmed
    it (community.before_you_send raises HeldBack)."""
    if not author.is_authenticated or not author.is_active:
        raise PerspectiveError(_("Sign in to add your perspective."))
    if section.retired or not section.article.published:
        raise PerspectiveError(_("This section no longer takes perspectives."))
    body, content_warning = _clean(body, content_warning)
    hold_back_if_identifying(text=f"{body}\n{content_warning}", user=author, confirmed=confirmed)
    return Perspective.objects.create(
        section=section,
        author=author,
        body=body,
        content_warning=content_warning,
        is_anonymous=bool(is_anonymous),
    )


def check_own_perspective(*, actor, perspective: Perspective) -> None:
    """Only its author changes or deletes a perspective, and only while it shows."""
    if perspective.author_id is None or perspective.author_id != actor.pk:
        raise PerspectiveError(_("You can only change your own perspectives."))
    if not perspective.is_visible:
        raise PerspectiveError(_("This perspective can no longer be changed."))


def edit_perspective(
    *,
    actor,
    perspective: Perspective,
    body: str,
    content_warning: str = "",
    confirmed: bool = False,
) -> Perspective:
    check_own_perspective(actor=actor, perspective=perspective)
    body, content_warning = _clean(body, content_warning)
    hold_back_if_identifying(text=f"{body}\n{content_warning}", user=actor, confirmed=confirmed)
    perspective.body, perspective.content_warning = body, content_warning
    perspective.edited_at = timezone.now()
    perspective.save(update_fields=["body", "content_warning", "edited_at"])
    return perspective


def delete_perspective(*, actor, perspective: Perspective) -> Perspective:
    """The author takes it back: the text is gone for good."""
    check_own_perspective(actor=actor, perspective=perspective)
    perspective.body, perspective.content_warning = "", ""
    perspective.deleted_at = timezone.now()
    perspective.save(update_fields=["body", "content_warning", "deleted_at"])
    return perspective


def toggle_helpful(*, user, perspective: Perspective) -> bool:
    """Marks the perspective helpful, or takes the mark back. Returns whether it is marked."""
    if not perspective.is_visible:
        raise PerspectiveError(_("This perspective is not shown any more."))
    if perspective.author_id == user.pk:
        raise PerspectiveError(_("You cannot mark your own perspective."))
    with transaction.atomic():
        deleted, _details = PerspectiveHelpful.objects.filter(
            perspective=perspective, user=user
        ).delete()
        if deleted:
            return False
        try:
            with transaction.atomic():
                PerspectiveHelpful.objects.create(perspective=perspective, user=user)
        except IntegrityError:
            pass  # marked at the same moment from another tab
    return True


def erase_perspectives_of(*, user_id: int) -> int:
    """Account deletion with "delete what I wrote": every perspective becomes a tombstone."""
    return Perspective.objects.filter(author_id=user_id, deleted_at__isnull=True).update(
        body="", content_warning="", deleted_at=timezone.now()
    )


# --- what moderation asks of perspectives ----------------------------------------------------


def set_perspective_hidden(*, perspective: Perspective, hidden: bool) -> bool:
    if (perspective.hidden_at is not None) == hidden:
        return False
    perspective.hidden_at = timezone.now() if hidden else None
    perspective.save(update_fields=["hidden_at"])
    return True


def remove_perspective(*, perspective: Perspective) -> bool:
    """A moderator's deletion: gone for readers; the text stays for the audit trail."""
    if perspective.deleted_at is not None:
        return False
    perspective.deleted_at = timezone.now()
    perspective.save(update_fields=["deleted_at"])
    return True


def redact_perspective(*, perspective: Perspective, text: str) -> None:
    perspective.body = text
    perspective.edited_at = timezone.now()
    perspective.hidden_at = None
    perspective.save(update_fields=["body", "edited_at", "hidden_at"])
