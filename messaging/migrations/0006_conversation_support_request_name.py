import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0008_support_request_thread_link_moves_to_messaging"),
        ("messaging", "0005_conversation_support_request"),
    ]

    operations = [
        migrations.AlterField(
            model_name="conversation",
            name="support_request",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="conversation",
                to="community.supportrequest",
            ),
        ),
    ]
