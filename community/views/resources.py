"""The resources library and training modules."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from community.forms.resources import PerspectiveForm, TrainingCheckForm
from community.selectors.perspectives import article_sections
from community.selectors.resources import (
    get_module_or_404,
    get_published_article_or_404,
    has_completed_module,
    modules_for_user,
    published_articles,
)
from community.services.perspectives import split_sections
from community.services.training import submit_training_check


@login_required
def library(request):
    return render(
        request,
        "community/resources/library.html",
        {"articles": published_articles(), "modules": modules_for_user(user_id=request.user.pk)},
    )


@login_required
def article_detail(request, slug: str):
    article = get_published_article_or_404(slug=slug)
    sections = article_sections(article=article, viewer=request.user)
    # With sections, the text before the first heading opens the article; without (never
    # synced), the whole body does.
    intro = split_sections(article.body)[0] if sections else article.body
    for view in sections:
        # One form per section, with ids of its own (the page holds them all).
        view.form = PerspectiveForm(auto_id=f"id_{view.section.key}_%s")
    return render(
        request,
        "community/resources/article.html",
        {"article": article, "intro": intro, "sections": sections},
    )


@login_required
def module_detail(request, slug: str):
    module = get_module_or_404(slug=slug)
    form = TrainingCheckForm(request.POST if request.method == "POST" else None, module=module)
    wrong_ids: list[int] = []
    if request.method == "POST" and form.is_valid():
        result = submit_training_check(user=request.user, module=module, answers=form.answers())
        if result.passed:
            messages.success(request, _("You passed the check. This module is complete."))
            return redirect("training_module", slug=module.slug)
        wrong_ids = result.wrong_question_ids
        for question_id in wrong_ids:
            form.add_error(
                f"question_{question_id}", _("Not quite. Re-read the articles and try again.")
            )
    return render(
        request,
        "community/resources/module.html",
        {
            "module": module,
            "form": form,
            "completed": has_completed_module(user_id=request.user.pk, module_id=module.pk),
        },
    )
