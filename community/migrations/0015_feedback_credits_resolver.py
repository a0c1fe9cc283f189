# Feedback is credited to the advocate who resolved the request, not who answered first
# (issue 14). Existing feedback: a resolved request's advocate is the one who resolved it.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def credit_resolving_advocates(apps, schema_editor):
    SupportFeedback = apps.get_model('community', 'SupportFeedback')
    for feedback in SupportFeedback.objects.select_related('request').iterator():
        feedback.advocate_id = feedback.request.advocate_id
        feedback.save(update_fields=['advocate'])


class Migration(migrations.Migration):

    dependencies = [
        ('community', '0012_specialty_approval'),
        ('community', '0014_safer_device'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='supportfeedback',
            name='advocate',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='advocate credited'),
        ),
        migrations.RunPython(credit_resolving_advocates, migrations.RunPython.noop),
    ]
