from django.urls import path

from moderation.views import dashboard, member, posts, rooms

app_name = "moderation"

urlpatterns = [
    # Every member
    path("flag/<slug:kind>/<int:object_id>/", member.flag, name="flag"),
    path("safety/reach-out/", member.crisis_resources, name="crisis_resources"),
    path("notices/", member.my_notices, name="my_notices"),
    path("notices/<int:sanction_id>/appeal/", member.appeal, name="appeal"),
    path("settings/blocks/", member.blocks, name="blocks"),
    path("settings/blocks/<int:block_id>/remove/", member.unblock, name="unblock"),
    path(
        "messages/requests/<int:conversation_id>/decline-and-block/",
        member.decline_and_block_request,
        name="decline_and_block_request",
    ),
    # Group moderators, on a post in their group (same address as the post's other actions)
    path(
        "groups/<str:slug>/posts/<int:post_id>/moderate/",
        posts.post_moderate,
        name="post_moderate",
    ),
    path(
        "groups/<str:slug>/posts/<int:post_id>/moderate/<slug:kind>/",
        posts.post_sanction,
        name="post_sanction",
    ),
    # Moderators (two-factor required)
    path("moderation/", dashboard.queue, name="queue"),
    path("moderation/items/<int:item_id>/", dashboard.item_detail, name="item_detail"),
    path("moderation/members/<str:public_id>/", dashboard.member, name="member"),
    path("moderation/audit/", dashboard.audit, name="audit"),
    path("moderation/audit.csv", dashboard.audit_csv, name="audit_csv"),
    path("moderation/appeals/", dashboard.appeals, name="appeals"),
    path(
        "moderation/appeals/<int:appeal_id>/decide/", dashboard.appeal_decide, name="appeal_decide"
    ),
    path("moderation/groups/<int:group_id>/", dashboard.group_settings, name="group_settings"),
    path("moderation/groups/<int:group_id>/room/", rooms.room_controls, name="room_controls"),
]
