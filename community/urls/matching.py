"""Matching escrow (decision 0080): only ids in paths, never an identifier."""

from django.urls import path

from community.views import matching

urlpatterns = [
    path("matching/", matching.matching_entries, name="matching"),
    path("matching/counsellor/", matching.matching_counsellor, name="matching_counsellor"),
    path("matching/status/", matching.matching_status, name="matching_status"),
    path("matching/evaluate/", matching.matching_evaluate, name="matching_evaluate"),
    path("matching/entries/", matching.matching_entry_add, name="matching_entry_add"),
    path(
        "matching/entries/<int:entry_id>/withdraw/",
        matching.matching_entry_withdraw,
        name="matching_entry_withdraw",
    ),
    path("matching/counsellor/key/", matching.matching_counsellor_key, name="matching_key"),
    path("matching/matches/<int:match_id>/", matching.matching_match, name="matching_match"),
    path(
        "matching/matches/<int:match_id>/contact/<int:entry_id>/",
        matching.matching_contact,
        name="matching_contact",
    ),
]
