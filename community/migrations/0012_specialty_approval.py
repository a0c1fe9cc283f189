# A verified advocate's new specialty waits for staff approval (issue 14).

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('community', '0011_sign_in_activity'),
    ]

    operations = [
        migrations.CreateModel(
            name='PendingSpecialty',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('requested_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('advocate', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='pending_specialties', to='community.advocateprofile')),
                ('specialty', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='community.specialty')),
            ],
            options={
                'verbose_name': 'specialty waiting for approval',
                'verbose_name_plural': 'specialties waiting for approval',
                'ordering': ['requested_at', 'id'],
                'constraints': [models.UniqueConstraint(fields=('advocate', 'specialty'), name='pending_specialty_once')],
            },
        ),
    ]
