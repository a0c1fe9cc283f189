"""The private journal. Ids in these paths are random tokens; no text ever goes in a URL."""

from django.urls import path

from community.views import journal

urlpatterns = [
    path("journal/", journal.journal_index, name="journal"),
    path("journal/new/", journal.entry_create, name="journal_entry_create"),
    path("journal/verify/", journal.verify, name="journal_verify"),
    path("journal/export/", journal.export, name="journal_export"),
    path("journal/wipe/", journal.wipe, name="journal_wipe"),
    path("journal/reminders/", journal.reminders, name="journal_reminders"),
    path(
        "journal/reminders/<int:reminder_id>/dismiss/",
        journal.reminder_dismiss,
        name="journal_reminder_dismiss",
    ),
    path(
        "journal/reminders/<int:reminder_id>/delete/",
        journal.reminder_delete,
        name="journal_reminder_delete",
    ),
    path("journal/evidence/<str:public_id>/", journal.evidence_download, name="journal_evidence"),
    path(
        "journal/evidence/<str:public_id>/thumbnail/",
        journal.evidence_thumbnail_image,
        name="journal_evidence_thumbnail",
    ),
    path(
        "journal/evidence/<str:public_id>/image/",
        journal.evidence_image,
        name="journal_evidence_image",
    ),
    path("journal/entries/<str:public_id>/", journal.entry_detail, name="journal_entry"),
    path("journal/entries/<str:public_id>/edit/", journal.entry_edit, name="journal_entry_edit"),
    path("journal/entries/<str:public_id>/share/", journal.entry_share, name="journal_entry_share"),
    path(
        "journal/shares/<str:public_id>/revoke/", journal.share_revoke, name="journal_share_revoke"
    ),
    path(
        "journal/shared/request/<int:request_id>/",
        journal.shared_for_request,
        name="journal_shared_for_request",
    ),
    path(
        "journal/shared/request/<int:request_id>/evidence/<str:public_id>/",
        journal.shared_evidence,
        name="journal_shared_evidence",
    ),
]
