"""The link between a support request and its private thread moves to messaging's side, so
community's models point at no other app (docs/architecture.md, "Dependencies")."""

import django.db.models.deletion
from django.db import migrations, models


def copy_links(apps, schema_editor):
    SupportRequest = apps.get_model("community", "SupportRequest")
    Conversation = apps.get_model("messaging", "Conversation")
    for request_id, conversation_id in SupportRequest.objects.exclude(
        conversation__isnull=True
    ).values_list("pk", "conversation_id"):
        Conversation.objects.filter(pk=conversation_id).update(support_request_id=request_id)


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0007_journal_sharing"),
        ("messaging", "0004_conversation_sequence"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="support_request",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="community.supportrequest",
            ),
        ),
        migrations.RunPython(copy_links, migrations.RunPython.noop),
    ]
