"""Field and file encryption with the project's keys (`KINDRED_ENCRYPTION_KEYS`, newest first).

Everything sensitive at rest (journal text and evidence, MFA secrets) goes through here, so a
key rotation is: put the new key first, run `manage.py rotate_encryption_keys`, drop the old key.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.db import models


class DecryptionError(Exception):
    """A token no configured key can open: a missing key or a damaged value."""


@lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.ENCRYPTION_KEYS))


def encrypt_bytes(data: bytes) -> bytes:
    return fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return fernet().decrypt(token)
    except InvalidToken as error:
        raise DecryptionError("No configured encryption key opens this value.") from error


def encrypt_text(text: str) -> str:
    return encrypt_bytes(text.encode()).decode("ascii")


def decrypt_text(token: str) -> str:
    return decrypt_bytes(token.encode("ascii")).decode()


def rotate_bytes(token: bytes) -> bytes:
    """Re-encrypts a token under the newest key (MultiFernet.rotate)."""
    try:
        return fernet().rotate(token)
    except InvalidToken as error:
        raise DecryptionError("No configured encryption key opens this value.") from error


def rotate_token(token: str) -> str:
    return rotate_bytes(token.encode("ascii")).decode("ascii")


# Encrypted data that does not live in an EncryptedTextField (files, third-party JSON): dotted
# paths to callables taking no arguments that re-encrypt their data under the newest key and
# return how many items they rewrote. `manage.py rotate_encryption_keys` runs each one.
ROTATION_HOOKS: list[str] = [
    "community.adapters.rotate_mfa_secrets",
    "community.services.journal_evidence.rotate_evidence_files",
]


class EncryptedTextField(models.TextField):
    """A text column that holds only Fernet tokens; Python code sees plain text.

    Not searchable or orderable in SQL by design: the database never sees the plaintext.
    """

    description = "Text encrypted with the project's field-encryption keys"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt_text(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(value)


def encrypted_fields():
    """Yields (model, field) for every EncryptedTextField in the project, for key rotation."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field


def rotate_field(model, field) -> int:
    """Re-encrypts one EncryptedTextField column under the newest key; returns rows rewritten.

    Reading decrypts with whichever configured key opens the value; writing encrypts with the
    newest. Goes through update(), so no save() logic or signal runs.
    """
    manager = model._base_manager
    rewritten = 0
    rows = manager.exclude(**{f"{field.attname}__isnull": True}).exclude(**{field.attname: ""})
    for pk, value in rows.values_list("pk", field.attname).iterator():
        manager.filter(pk=pk).update(**{field.attname: value})
        rewritten += 1
    return rewritten
