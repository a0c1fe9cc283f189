from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("messaging", "0007_every_active_group_has_its_room")]

    operations = [
        migrations.AddField(
            model_name="message",
            name="content_warning",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
    ]
