from django.urls import path

from community.views import groups, posts

urlpatterns = [
    path("groups/", groups.group_directory, name="group_directory"),
    path("groups/propose/", groups.group_propose, name="group_propose"),
    path("groups/proposals/", groups.group_proposals, name="group_proposals"),
    path(
        "groups/proposals/<str:slug>/decide/",
        groups.group_proposal_decide,
        name="group_proposal_decide",
    ),
    path("groups/invite/<str:token>/", groups.invite_accept, name="group_invite_accept"),
    path("groups/<str:slug>/", groups.group_detail, name="group_detail"),
    path("groups/<str:slug>/join/", groups.group_join, name="group_join"),
    path("groups/<str:slug>/leave/", groups.group_leave, name="group_leave"),
    path("groups/<str:slug>/settings/", groups.group_settings, name="group_settings"),
    path("groups/<str:slug>/members/", groups.group_members, name="group_members"),
    path("groups/<str:slug>/requests/", groups.group_requests, name="group_requests"),
    path(
        "groups/<str:slug>/requests/<int:membership_id>/decide/",
        groups.group_request_decide,
        name="group_request_decide",
    ),
    path("groups/<str:slug>/invites/", groups.group_invites, name="group_invites"),
    path(
        "groups/<str:slug>/watched-words/",
        groups.group_watched_words,
        name="group_watched_words",
    ),
    path(
        "groups/<str:slug>/invites/<int:invite_id>/revoke/",
        groups.group_invite_revoke,
        name="group_invite_revoke",
    ),
    path("groups/<str:slug>/threads/new/", posts.thread_new, name="thread_new"),
    path("groups/<str:slug>/threads/<int:thread_id>/", posts.thread_detail, name="thread_detail"),
    path("groups/<str:slug>/posts/<int:post_id>/edit/", posts.post_edit, name="post_edit"),
    path("groups/<str:slug>/posts/<int:post_id>/delete/", posts.post_delete, name="post_delete"),
    path("groups/<str:slug>/posts/<int:post_id>/react/", posts.post_react, name="post_react"),
    path("groups/<str:slug>/posts/<int:post_id>/history/", posts.post_history, name="post_history"),
]
