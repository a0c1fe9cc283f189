"""The three specialties every installation starts with; staff add more in the admin."""

from django.db import migrations

SPECIALTIES = [
    ("counselling", "Counselling", "Emotional support after harassment, and help to cope."),
    ("legal", "Legal", "Your rights at work, evidence, deadlines and formal complaints."),
    ("career", "Career", "Staying, moving on, references, and rebuilding confidence."),
]


def seed_specialties(apps, schema_editor):
    Specialty = apps.get_model("community", "Specialty")
    for slug, name, description in SPECIALTIES:
        Specialty.objects.get_or_create(slug=slug, defaults={"name": name, "description": description})


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0005_advocates"),
    ]

    operations = [
        migrations.RunPython(seed_specialties, migrations.RunPython.noop, elidable=False),
    ]
