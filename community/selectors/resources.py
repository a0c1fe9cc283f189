"""Reads for the resources library and training modules."""

from django.db.models import Exists, OuterRef, Prefetch
from django.shortcuts import get_object_or_404

from community.models import (
    Article,
    CheckChoice,
    CheckQuestion,
    ModuleArticle,
    TrainingCompletion,
    TrainingModule,
)

CRISIS_ARTICLE_SLUG = "crisis-lines"


def published_articles():
    return Article.objects.filter(published=True).only("slug", "title", "summary")


def get_published_article_or_404(*, slug: str) -> Article:
    return get_object_or_404(Article, slug=slug, published=True)


def modules_for_user(*, user_id: int):
    """Every published module, each with `completed` for this member, in one query."""
    return TrainingModule.objects.filter(published=True).annotate(
        completed=Exists(TrainingCompletion.objects.filter(user_id=user_id, module=OuterRef("pk")))
    )


def get_module_or_404(*, slug: str) -> TrainingModule:
    """The module with its ordered articles and its check (questions and choices) prefetched."""
    return get_object_or_404(
        TrainingModule.objects.prefetch_related(
            Prefetch(
                "steps",
                queryset=ModuleArticle.objects.select_related("article").only(
                    "module_id",
                    "position",
                    "article__slug",
                    "article__title",
                    "article__summary",
                ),
            ),
            Prefetch(
                "questions",
                queryset=CheckQuestion.objects.prefetch_related(
                    Prefetch("choices", queryset=CheckChoice.objects.all())
                ),
            ),
        ),
        slug=slug,
        published=True,
    )


def has_completed_module(*, user_id: int, module_id: int) -> bool:
    return TrainingCompletion.objects.filter(user_id=user_id, module_id=module_id).exists()


def has_completed_advocate_training(*, user_id: int) -> bool:
    """True when the member completed every module required for advocates (there is at least
    one, "Advocate essentials"; with none configured nobody can be verified)."""
    required = TrainingModule.objects.filter(required_for_advocates=True)
    if not required.exists():
        return False
    return not required.exclude(completions__user_id=user_id).exists()
