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
