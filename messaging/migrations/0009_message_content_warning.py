from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("messaging", "0008_message_request_filtering")]

    operations = [
        migrations.AddField(
            model_name="message",
            name="content_warning",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
    ]
