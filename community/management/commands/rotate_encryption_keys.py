"""Re-encrypts everything encrypted at rest under the newest key in KINDRED_ENCRYPTION_KEYS.

Rotation: put the new key first (keep the old ones after it), run this command, then drop
the old keys. See docs/decisions/0004-field-encryption-and-key-rotation.md.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

from community.encryption import ROTATION_HOOKS, encrypted_fields, rotate_field


class Command(BaseCommand):
    help = "Re-encrypts every encrypted column, MFA secret and file under the newest key."

    def handle(self, *args, **options):
        # One transaction for the database: either every row moves to the new key or none does.
        # File hooks are not transactional, but re-running the command is always safe: data
        # already under the newest key is simply re-encrypted again.
        with transaction.atomic():
            for model, field in encrypted_fields():
                count = rotate_field(model, field)
                self.stdout.write(f"{model._meta.label}.{field.name}: {count} re-encrypted")
            for dotted_path in ROTATION_HOOKS:
                count = import_string(dotted_path)()
                self.stdout.write(f"{dotted_path}: {count} re-encrypted")
        self.stdout.write(self.style.SUCCESS("Everything is encrypted under the newest key."))
