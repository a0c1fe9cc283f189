"""Reads for members' perspectives on the library's articles: an article's sections with the
most helpful perspectives under each, one section's perspectives page by page, and the
Contributor badge. Every page reads in a fixed number of queries, whatever the number of
sections, perspectives or authors.

What a viewer learns of an author follows the anonymous-post rule (decision 0012): an
anonymous perspective shows no pseudonym, badge or advocate mark to anyone but site
moderators; and the Contributor badge counts only perspectives signed with a pseudonym, so it
never hints that someone also wrote anonymously."""

from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404

from community.models import (
    AdvocateProfile,
    Article,
    ArticleSection,
    Perspective,
    PerspectiveHelpful,
)
from community.permissions import can_see_anonymous_author

PREVIEW = 3
PAGE_SIZE = 20
# Perspectives on this many different articles make a Contributor.
CONTRIBUTOR_ARTICLES = 3

VISIBLE = Q(deleted_at__isnull=True, hidden_at__isnull=True)


@dataclass
class SectionView:
    section: ArticleSection
    perspectives: list = field(default_factory=list)
    total: int = 0


def get_section_or_404(*, article: Article, key: str) -> ArticleSection:
    section = get_object_or_404(ArticleSection, article=article, key=key, retired=False)
    section.article = article  # already at hand: no second read
    return section


def get_perspective_or_404(*, perspective_id: int) -> Perspective:
    return get_object_or_404(
        Perspective.objects.select_related("section__article", "author__profile").filter(
            section__article__published=True
        ),
        pk=perspective_id,
    )


def _visible(perspectives):
    return (
        perspectives.filter(VISIBLE)
        .select_related("author__profile")
        .annotate(helpful_total=Count("helpful"))
    )


def article_sections(*, article: Article, viewer) -> list[SectionView]:
    """Every section in order with its most helpful perspectives (then the newest), ending
    with the closing section, which also holds those of sections whose heading is gone."""
    sections = list(article.sections.all())
    shown = [section for section in sections if not section.retired]
    closing = next((section for section in shown if section.is_closing), None)
    if closing is None:
        return []  # never synced (made outside the admin and the seed): no sections yet
    home = {section.pk: (closing.pk if section.retired else section.pk) for section in sections}
    views = {section.pk: SectionView(section=section) for section in shown}
    ranked = _visible(Perspective.objects.filter(section__article=article)).annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("section_id")],
            order_by=[F("helpful_total").desc(), F("created_at").desc()],
        )
    )
    previews = list(ranked.filter(rank__lte=PREVIEW))
    totals = (
        Perspective.objects.filter(VISIBLE, section__article=article)
        .values("section_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in totals:
        views[home[row["section_id"]]].total += row["count"]
    for perspective in sorted(
        previews, key=lambda p: (-p.helpful_total, -p.created_at.timestamp())
    ):
        views[home[perspective.section_id]].perspectives.append(perspective)
    for view in views.values():
        del view.perspectives[PREVIEW:]
    decorate_perspectives(perspectives=previews, viewer=viewer)
    return [views[section.pk] for section in shown]


def section_perspectives(*, section: ArticleSection):
    """Every visible perspective of a section (and, for the closing section, of retired
    ones), most helpful first, then newest: for a Paginator."""
    sections = [section.pk]
    if section.is_closing:
        sections += list(section.article.sections.filter(retired=True).values_list("pk", flat=True))
    return _visible(Perspective.objects.filter(section_id__in=sections)).order_by(
        "-helpful_total", "-created_at", "-pk"
    )


def decorate_perspectives(*, perspectives, viewer) -> None:
    """Sets what a template may show of each perspective for this viewer: `shown_profile`
    (None when anonymous, unless the viewer is a site moderator, or the account is gone),
    `is_own`, `marked_helpful`, `is_contributor` and `advocate_specialties` (named ones
    only)."""
    perspectives = list(perspectives)
    if not perspectives:
        return
    sees_anonymous = can_see_anonymous_author(user=viewer)
    marked = set(
        PerspectiveHelpful.objects.filter(
            user_id=viewer.pk, perspective_id__in=[p.pk for p in perspectives]
        ).values_list("perspective_id", flat=True)
    )
    named_authors = {p.author_id for p in perspectives if p.author_id and not p.is_anonymous}
    contributors = contributor_ids(user_ids=named_authors)
    specialties = advocate_specialties(user_ids=named_authors)
    for perspective in perspectives:
        author = perspective.author if perspective.author_id else None
        named = not perspective.is_anonymous
        perspective.is_own = author is not None and perspective.author_id == viewer.pk
        perspective.shown_profile = author.profile if author and (named or sees_anonymous) else None
        perspective.author_revealed_to_site_moderator = perspective.is_anonymous and sees_anonymous
        perspective.marked_helpful = perspective.pk in marked
        perspective.is_contributor = named and perspective.author_id in contributors
        perspective.advocate_specialties = (
            specialties.get(perspective.author_id, []) if named else []
        )


def contributor_ids(*, user_ids) -> set[int]:
    """Members whose visible perspectives signed with their pseudonym stand under at least
    CONTRIBUTOR_ARTICLES different published articles: computed from the data each time, so a
    removal by moderation takes the badge away at once."""
    if not user_ids:
        return set()
    return set(
        Perspective.objects.filter(
            VISIBLE,
            author_id__in=list(user_ids),
            is_anonymous=False,
            section__article__published=True,
        )
        .values("author_id")
        .annotate(articles=Count("section__article_id", distinct=True))
        .filter(articles__gte=CONTRIBUTOR_ARTICLES)
        .values_list("author_id", flat=True)
    )


def is_contributor(*, user_id: int) -> bool:
    return user_id in contributor_ids(user_ids=[user_id])


def advocate_specialties(*, user_ids) -> dict[int, list[str]]:
    """user id → the specialties of the verified advocates among them, in one query."""
    if not user_ids:
        return {}
    rows = AdvocateProfile.objects.filter(
        user_id__in=list(user_ids),
        status=AdvocateProfile.Status.VERIFIED,
        user__is_active=True,
    ).values_list("user_id", "specialties__name")
    found: dict[int, list[str]] = {}
    for user_id, name in rows.order_by("specialties__name"):
        if name:
            found.setdefault(user_id, []).append(name)
    return found


def perspectives_written_by(*, user_id: int) -> list[dict]:
    """For the member's export of everything of theirs."""
    return [
        {
            "id": perspective.pk,
            "article": perspective.section.article.title,
            "section": perspective.section.heading,
            "anonymous": perspective.is_anonymous,
            "content_warning": perspective.content_warning,
            "body": perspective.body,
            "created_at": perspective.created_at.isoformat(),
            "edited_at": perspective.edited_at.isoformat() if perspective.edited_at else None,
            "deleted_at": perspective.deleted_at.isoformat() if perspective.deleted_at else None,
        }
        for perspective in Perspective.objects.filter(author_id=user_id)
        .select_related("section__article")
        .order_by("pk")
    ]
