"""Per-conversation stream positions (docs/protocol.md, "Sequence"), and presence moves out of
the database (messaging/presence.py): entries of a crashed process must expire on their own."""

from django.db import migrations, models


def number_existing_messages(apps, schema_editor):
    Conversation = apps.get_model("messaging", "Conversation")
    Message = apps.get_model("messaging", "Message")
    for conversation in Conversation.objects.all().iterator():
        seq = 0
        for message in Message.objects.filter(conversation=conversation).order_by("pk").iterator():
            seq += 1
            Message.objects.filter(pk=message.pk).update(seq=seq, changed_seq=seq)
        Conversation.objects.filter(pk=conversation.pk).update(last_seq=seq)
    Participant = apps.get_model("messaging", "ConversationParticipant")
    for participant in Participant.objects.filter(last_read_seq__gt=0).iterator():
        last = (
            Message.objects.filter(
                conversation_id=participant.conversation_id, pk__lte=participant.last_read_seq
            )
            .order_by("-pk")
            .values_list("seq", flat=True)
            .first()
        )
        Participant.objects.filter(pk=participant.pk).update(last_read_seq=last or 0)


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0003_realtime_conversations"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="last_seq",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="message",
            name="as_moderator",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="message",
            name="seq",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="message",
            name="changed_seq",
            field=models.BigIntegerField(null=True),
        ),
        migrations.RenameField(
            model_name="conversationparticipant",
            old_name="last_read_message_id",
            new_name="last_read_seq",
        ),
        migrations.RunPython(number_existing_messages, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="message",
            name="seq",
            field=models.BigIntegerField(),
        ),
        migrations.AlterField(
            model_name="message",
            name="changed_seq",
            field=models.BigIntegerField(),
        ),
        migrations.RemoveIndex(
            model_name="message",
            name="messaging_m_convers_f5b548_idx",
        ),
        migrations.AddConstraint(
            model_name="message",
            constraint=models.UniqueConstraint(
                fields=("conversation", "seq"), name="message_seq_unique"
            ),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                fields=["conversation", "changed_seq"], name="message_changed_seq_idx"
            ),
        ),
        migrations.DeleteModel(name="PresenceSocket"),
    ]
