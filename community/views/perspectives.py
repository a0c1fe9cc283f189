"""Members' perspectives under the library's articles: a section's page of them (and the
form to add one), editing and deleting one's own, marking one helpful. The article page itself
is `community.views.resources.article_detail`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.before_you_send import send_checked
from community.confirmation import ask_first
from community.forms.resources import PerspectiveEditForm, PerspectiveForm
from community.selectors import perspectives as selectors
from community.selectors.resources import get_published_article_or_404
from community.services import perspectives as services


def _section_url(section) -> str:
    return reverse("resource_section", args=[section.article.slug, section.key])


def _perspective_url(perspective) -> str:
    section = perspective.section
    if section.retired:
        section = section.article.sections.get(key=section.CLOSING_KEY)
    return f"{_section_url(section)}#perspective-{perspective.pk}"


@login_required
def section_detail(request, slug: str, key: str):
    article = get_published_article_or_404(slug=slug)
    section = selectors.get_section_or_404(article=article, key=key)
    form = PerspectiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            perspective = send_checked(
                request,
                form,
                lambda confirmed: services.add_perspective(
                    author=request.user, section=section, confirmed=confirmed, **form.cleaned_data
                ),
            )
        except services.PerspectiveError as error:
            form.add_error(None, error.message)
        else:
            if perspective is not None:
                messages.success(request, _("Thank you: your perspective is added."))
                return redirect(_perspective_url(perspective))
    page = Paginator(selectors.section_perspectives(section=section), selectors.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    selectors.decorate_perspectives(perspectives=page.object_list, viewer=request.user)
    return render(
        request,
        "community/resources/section.html",
        {"article": article, "section": section, "page": page, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def perspective_edit(request, perspective_id: int):
    perspective = selectors.get_perspective_or_404(perspective_id=perspective_id)
    if perspective.author_id != request.user.pk or not perspective.is_visible:
        raise Http404
    initial = {"body": perspective.body, "content_warning": perspective.content_warning}
    form = PerspectiveEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = send_checked(
                request,
                form,
                lambda confirmed: services.edit_perspective(
                    actor=request.user,
                    perspective=perspective,
                    confirmed=confirmed,
                    **form.cleaned_data,
                ),
            )
        except services.PerspectiveError as error:
            form.add_error(None, error.message)
        else:
            if saved is not None:
                messages.success(request, _("Your perspective is saved."))
                return redirect(_perspective_url(perspective))
    return render(
        request,
        "community/resources/perspective_edit.html",
        {"perspective": perspective, "form": form, "back": _perspective_url(perspective)},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def perspective_delete(request, perspective_id: int):
    perspective = selectors.get_perspective_or_404(perspective_id=perspective_id)
    try:
        services.check_own_perspective(actor=request.user, perspective=perspective)
    except services.PerspectiveError:
        raise Http404 from None
    if response := ask_first(
        request,
        heading=_("Delete your perspective?"),
        consequences=[
            _("Its text is gone for good; a note that it was deleted stays in the article."),
            _("The “helpful” marks it received go with it."),
        ],
        confirm_label=_("Delete this perspective"),
        cancel_url=reverse("perspective_edit", args=[perspective.pk]),
    ):
        return response
    try:
        services.delete_perspective(actor=request.user, perspective=perspective)
    except services.PerspectiveError:
        raise Http404 from None
    messages.success(request, _("Your perspective is deleted."))
    return redirect(_perspective_url(perspective))


@login_required
@require_POST
def perspective_helpful(request, perspective_id: int):
    perspective = selectors.get_perspective_or_404(perspective_id=perspective_id)
    try:
        marked = services.toggle_helpful(user=request.user, perspective=perspective)
    except services.PerspectiveError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Marked as helpful.") if marked else _("Your helpful mark is taken back."),
        )
    return redirect(_perspective_url(perspective))
