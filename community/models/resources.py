"""The resources library (staff-written Markdown articles) and training modules built on it."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Article(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(_("title"), max_length=120)
    summary = models.CharField(_("summary"), max_length=300)
    # Markdown, shown only through community.sanitize.render_markdown.
    body = models.TextField(_("body (Markdown)"))
    published = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title


class TrainingModule(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=1000)
    # The module an applicant must complete before staff can verify them as an advocate.
    required_for_advocates = models.BooleanField(default=False)
    published = models.BooleanField(_("published"), default=True)
    articles = models.ManyToManyField(Article, through="ModuleArticle", related_name="modules")

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title


class ModuleArticle(models.Model):
    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="steps")
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["module", "position"], name="module_article_position"),
        ]

    def __str__(self):
        return f"{self.position}. {self.article_id}"


class CheckQuestion(models.Model):
    """One multiple-choice question of a module's closing check."""

    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    prompt = models.CharField(_("question"), max_length=300)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.prompt


class CheckChoice(models.Model):
    question = models.ForeignKey(CheckQuestion, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(_("answer"), max_length=300)
    is_correct = models.BooleanField(default=False)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.text


class TrainingCompletion(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_completions"
    )
    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="completions")
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "module"], name="training_completion_once"),
        ]

    def __str__(self):
        return f"training completion #{self.pk}"


class ArticleSection(models.Model):
    """One section of an article: a Markdown heading of its body and the text under it, kept
    in step with the body whenever staff save the article (community.services.perspectives
    .sync_sections), so members' perspectives stay attached to their section. A heading that
    is gone leaves its section `retired`: its perspectives show under the closing section."""

    CLOSING_KEY = "what-else"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=80)
    heading = models.CharField(max_length=200)
    # Markdown, shown only through community.sanitize.render_markdown.
    body = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField()
    retired = models.BooleanField(default=False)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "key"], name="article_section_key"),
        ]

    def __str__(self):
        return self.heading

    @property
    def is_closing(self) -> bool:
        return self.key == self.CLOSING_KEY


class Perspective(models.Model):
    """What a member learned, added under a section of a library article: short Markdown
    through the one sanitising pipeline, under their pseudonym or anonymously (shown to
    nobody but site moderators, as for anonymous posts), with an optional content warning."""

    section = models.ForeignKey(
        ArticleSection, on_delete=models.CASCADE, related_name="perspectives"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=2000)
    content_warning = models.CharField(max_length=200, blank=True)
    is_anonymous = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Hidden by moderation (pending review, auto-hidden, or decided).
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["section", "created_at"])]

    def __str__(self):
        return f"perspective #{self.pk}"

    @property
    def is_visible(self) -> bool:
        return self.deleted_at is None and self.hidden_at is None


class PerspectiveHelpful(models.Model):
    """One member found a perspective helpful: only the count is ever shown."""

    perspective = models.ForeignKey(Perspective, on_delete=models.CASCADE, related_name="helpful")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["perspective", "user"], name="helpful_once"),
        ]

    def __str__(self):
        return f"helpful #{self.pk}"
