"""Rooms open with their groups now (community.events.GroupOpened), not on the first visit to
the room page: the groups already active get theirs."""

from django.db import migrations


def open_missing_rooms(apps, schema_editor):
    Group = apps.get_model("community", "Group")
    Conversation = apps.get_model("messaging", "Conversation")
    with_room = Conversation.objects.filter(group__isnull=False).values_list("group_id", flat=True)
    for group in Group.objects.filter(status="active").exclude(pk__in=with_room):
        Conversation.objects.create(kind="room", group=group)


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0008_support_request_thread_link_moves_to_messaging"),
        ("messaging", "0006_conversation_support_request_name"),
    ]

    operations = [migrations.RunPython(open_missing_rooms, migrations.RunPython.noop)]
