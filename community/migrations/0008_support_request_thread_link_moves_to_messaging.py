"""SupportRequest.conversation becomes messaging's Conversation.support_request (copied by
messaging's migration 0005 first)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0007_journal_sharing"),
        ("messaging", "0005_conversation_support_request"),
    ]

    operations = [
        migrations.RemoveField(model_name="supportrequest", name="conversation"),
    ]
