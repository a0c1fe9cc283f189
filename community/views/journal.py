"""The private journal's pages. Every view fetches through an owner-only helper in
community/permissions.py, so another account (staff and moderators included) gets 404.
No journal text or search term is ever put in a URL: search is a POST; and the views that
receive journal text hide it from Django's error reports (sensitive_post_parameters)."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from community.confirmation import ask_first
from community.forms.journal import (
    ConfirmWipeForm,
    EntryForm,
    ExportForm,
    ReminderForm,
    SearchForm,
    ShareEntryForm,
)
from community.journal_lock import journal_unlock_required
from community.permissions import (
    get_journal_entry_for_owner_or_404,
    get_journal_evidence_for_owner_or_404,
    get_journal_reminder_for_owner_or_404,
    get_journal_share_for_owner_or_404,
    get_request_for_shared_journal_or_404,
    get_shared_evidence_or_404,
    require_mfa,
)
from community.selectors.advocates import support_display_name
from community.selectors.journal import (
    active_reminders,
    due_reminders,
    earlier_entries_for,
    entry_with_history,
    list_entries,
    search_entries,
    shareable_requests_for,
    shared_entries_for_request,
    shares_of_entry,
    verify_chain,
)
from community.services.journal import (
    add_reminder,
    delete_reminder,
    dismiss_reminder,
    record_entry,
    revise_entry,
    revoke_share,
    share_entry,
    wipe_journal,
)
from community.services.journal_evidence import evidence_thumbnail, read_evidence_bytes
from community.services.journal_export import evidence_archive_path, export_journal


def bound_data(request):
    """The POST data, or None for a GET: an empty POST must still bind and show errors."""
    return request.POST if request.method == "POST" else None


def bound_data_and_files(request):
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


@sensitive_post_parameters()
@login_required
@journal_unlock_required
def journal_index(request):
    search_form = SearchForm(bound_data(request))
    entries = list_entries(owner_id=request.user.pk)
    results = None
    if request.method == "POST" and search_form.is_valid():
        results = search_entries(entries=entries, query=search_form.cleaned_data["query"])
    return render(
        request,
        "community/journal/index.html",
        {
            "entries": entries,
            "due_reminders": due_reminders(owner_id=request.user.pk, today=timezone.localdate()),
            "search_form": search_form,
            "results": results,
        },
    )


@sensitive_post_parameters()
@login_required
@journal_unlock_required
def entry_create(request):
    earlier = earlier_entries_for(owner_id=request.user.pk)
    form = EntryForm(*bound_data_and_files(request), earlier_entries=earlier)
    if request.method == "POST" and form.is_valid():
        entry = record_entry(
            owner=request.user, content=form.content(), evidence=form.prepared_evidence
        )
        messages.success(request, _("The entry is saved and encrypted."))
        return redirect("journal_entry", public_id=entry.public_id)
    return render(request, "community/journal/entry_form.html", {"form": form, "entry": None})


@login_required
@journal_unlock_required
def entry_detail(request, public_id: str):
    entry = get_journal_entry_for_owner_or_404(user=request.user, public_id=public_id)
    return _render_entry_detail(request, entry)


@sensitive_post_parameters()
@login_required
@journal_unlock_required
def entry_edit(request, public_id: str):
    entry = get_journal_entry_for_owner_or_404(user=request.user, public_id=public_id)
    earlier = earlier_entries_for(owner_id=request.user.pk, exclude_entry_id=entry.pk)
    form = EntryForm(
        *bound_data_and_files(request),
        earlier_entries=earlier,
        initial=EntryForm.initial_from(entry.current_version),
    )
    if request.method == "POST" and form.is_valid():
        if not form.has_changed():
            messages.info(request, _("Nothing was changed, so no new version was saved."))
            return redirect("journal_entry", public_id=entry.public_id)
        revise_entry(entry=entry, content=form.content(), evidence=form.prepared_evidence)
        messages.success(request, _("Saved as a new version; the earlier ones are kept."))
        return redirect("journal_entry", public_id=entry.public_id)
    return render(request, "community/journal/entry_form.html", {"form": form, "entry": entry})


@login_required
@journal_unlock_required
def evidence_download(request, public_id: str):
    evidence = get_journal_evidence_for_owner_or_404(user=request.user, public_id=public_id)
    return _evidence_response(evidence)


@login_required
@journal_unlock_required
def evidence_thumbnail_image(request, public_id: str):
    """A small copy of one of the owner's evidence images for their entry page (404 for anyone
    else, as every journal view; 404 for a file that is not an image); a placeholder picture
    when the image cannot be read, so the page never breaks."""
    evidence = get_journal_evidence_for_owner_or_404(user=request.user, public_id=public_id)
    if evidence.kind != evidence.Kind.IMAGE:
        raise Http404
    thumbnail = evidence_thumbnail(evidence)
    if thumbnail is None:
        content = render_to_string("community/journal/image_placeholder.svg", request=request)
        return private_image(content.encode(), "image/svg+xml")
    return private_image(*thumbnail)


# The browser shows an image opened on its own in a page of its making, styled inline; that
# page may have its inline styles and nothing else (no script, no other origin).
IMAGE_PAGE_CSP = {
    "default-src": [CSP.NONE],
    "img-src": [CSP.SELF],
    "style-src": [CSP.UNSAFE_INLINE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}


@csp_override(IMAGE_PAGE_CSP)
@login_required
@journal_unlock_required
def evidence_image(request, public_id: str):
    """The full image, opened in the browser rather than saved (images only: every stored
    image was re-encoded by us from its pixels, journal_evidence.prepare_evidence)."""
    evidence = get_journal_evidence_for_owner_or_404(user=request.user, public_id=public_id)
    if evidence.kind != evidence.Kind.IMAGE:
        raise Http404
    response = private_image(read_evidence_bytes(evidence), evidence.content_type)
    file_name = evidence_archive_path(evidence).rsplit("/", 1)[-1]
    response["Content-Disposition"] = f'inline; filename="{file_name}"'
    return response


def private_image(content: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    # Never kept by the browser or a proxy (config.middleware adds the rest of no-store).
    response["Cache-Control"] = "private, no-store"
    return response


def attachment(content: bytes, content_type: str, file_name: str) -> HttpResponse:
    """A download: the browser saves it under `file_name` (made by us, never from input)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def _evidence_response(evidence) -> HttpResponse:
    file_name = evidence_archive_path(evidence).rsplit("/", 1)[-1]
    return attachment(read_evidence_bytes(evidence), evidence.content_type, file_name)


@login_required
@journal_unlock_required
def verify(request):
    return render(
        request,
        "community/journal/verify.html",
        {
            "report": verify_chain(owner_id=request.user.pk),
        },
    )


@login_required
@journal_unlock_required
def export(request):
    form = ExportForm(bound_data(request))
    if request.method == "POST" and form.is_valid():
        download = export_journal(
            owner=request.user,
            file_format=form.cleaned_data["format"],
            include_evidence=form.cleaned_data["include_evidence"],
        )
        return attachment(download.content, download.content_type, download.file_name)
    return render(request, "community/journal/export.html", {"form": form})


@sensitive_post_parameters()
@login_required
@journal_unlock_required
def reminders(request):
    form = ReminderForm(bound_data(request))
    if request.method == "POST" and form.is_valid():
        add_reminder(owner=request.user, **form.cleaned_data)
        messages.success(
            request, _("Reminder saved. It will show on your journal page from that date.")
        )
        return redirect("journal_reminders")
    return render(
        request,
        "community/journal/reminders.html",
        {
            "form": form,
            "reminders": active_reminders(owner_id=request.user.pk),
            "today": timezone.localdate(),
        },
    )


@login_required
@journal_unlock_required
@require_POST
def reminder_dismiss(request, reminder_id: int):
    reminder = get_journal_reminder_for_owner_or_404(user=request.user, reminder_id=reminder_id)
    dismiss_reminder(reminder=reminder)
    messages.success(request, _("Reminder dismissed."))
    # A fixed choice of two pages, never a URL taken from the request.
    return redirect("journal" if request.POST.get("back_to") == "journal" else "journal_reminders")


@login_required
@journal_unlock_required
@require_POST
def reminder_delete(request, reminder_id: int):
    reminder = get_journal_reminder_for_owner_or_404(user=request.user, reminder_id=reminder_id)
    if response := ask_first(
        request,
        heading=_("Delete this reminder?"),
        consequences=[_("You get no more notifications from it. Your journal entries stay.")],
        confirm_label=_("Delete reminder"),
        cancel_url=reverse("journal_reminders"),
    ):
        return response
    delete_reminder(reminder=reminder)
    messages.success(request, _("Reminder deleted."))
    return redirect("journal_reminders")


@login_required
@journal_unlock_required
def wipe(request):
    form = ConfirmWipeForm(bound_data(request))
    if request.method == "POST" and form.is_valid():
        wipe_journal(owner=request.user)
        messages.success(request, _("Your journal has been wiped."))
        return redirect("journal")
    return render(
        request, "community/journal/wipe.html", {"form": form, "cancel_url": reverse("journal")}
    )


def _render_entry_detail(request, entry, share_form=None) -> HttpResponse:
    return render(
        request,
        "community/journal/entry_detail.html",
        {
            "entry": entry_with_history(entry=entry),
            "shares": shares_of_entry(entry=entry),
            "share_form": share_form
            or ShareEntryForm(support_requests=shareable_requests_for(owner_id=request.user.pk)),
        },
    )


@login_required
@journal_unlock_required
@require_POST
def entry_share(request, public_id: str):
    entry = get_journal_entry_for_owner_or_404(user=request.user, public_id=public_id)
    form = ShareEntryForm(
        request.POST, support_requests=shareable_requests_for(owner_id=request.user.pk)
    )
    if form.is_valid():
        share_entry(entry=entry, support_request=form.cleaned_data["support_request"])
        messages.success(
            request, _("Shared. The advocate can read this entry until you revoke it.")
        )
        return redirect("journal_entry", public_id=entry.public_id)
    return _render_entry_detail(request, entry, share_form=form)


@login_required
@journal_unlock_required
@require_POST
def share_revoke(request, public_id: str):
    share = get_journal_share_for_owner_or_404(user=request.user, public_id=public_id)
    entry_public_id = share.entry.public_id
    if response := ask_first(
        request,
        heading=_("Stop sharing this entry?"),
        consequences=[
            _(
                "The advocate can no longer read this entry or its files, from the next page "
                "they open."
            ),
            _(
                "What they already read or noted cannot be taken back. You can share it again "
                "later."
            ),
        ],
        confirm_label=_("Revoke sharing"),
        cancel_url=reverse("journal_entry", args=[entry_public_id]),
    ):
        return response
    revoke_share(share=share)
    messages.success(request, _("Sharing revoked. The advocate can no longer read this entry."))
    return redirect("journal_entry", public_id=entry_public_id)


def _for_the_requests_advocate(view):
    """404 for anyone but the request's advocate, checked before the two-factor redirect so
    that no one else learns anything from the answer; then the advocate needs MFA."""

    @login_required
    @wraps(view)
    def wrapper(request, request_id: int, **kwargs):
        support_request = get_request_for_shared_journal_or_404(
            user=request.user, request_id=request_id
        )
        return require_mfa(view)(request, support_request, **kwargs)

    return wrapper


@_for_the_requests_advocate
def shared_for_request(request, support_request):
    """The advocate's read-only view: only the entries shared into this request, now."""
    return render(
        request,
        "community/journal/shared_for_request.html",
        {
            "support_request": support_request,
            "member_name": support_display_name(support_request=support_request),
            "shares": shared_entries_for_request(support_request_id=support_request.pk),
        },
    )


@_for_the_requests_advocate
def shared_evidence(request, support_request, public_id: str):
    evidence = get_shared_evidence_or_404(support_request=support_request, public_id=public_id)
    return _evidence_response(evidence)
