"""Encryption at rest: MFA secrets in the database, EncryptedTextField, and key rotation."""

import pyotp
import pytest
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection, models
from django.test import Client
from django.test.utils import isolate_apps
from django.urls import reverse

from community.encryption import (
    ROTATION_HOOKS,
    DecryptionError,
    EncryptedTextField,
    decrypt_text,
    encrypt_text,
    rotate_field,
)
from tests.factories import PASSWORD, make_member

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def _raw_authenticator_rows(user_id):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT type, data FROM {Authenticator._meta.db_table} WHERE user_id = %s",  # noqa: S608
            [user_id],
        )
        return {kind: str(data) for kind, data in cursor.fetchall()}


def _member_with_totp_and_recovery_codes():
    member = make_member(mfa=True)
    RecoveryCodes.activate(member)
    return member


def test_mfa_secrets_are_encrypted_at_rest(db):
    member = _member_with_totp_and_recovery_codes()
    rows = _raw_authenticator_rows(member.pk)
    seed = get_mfa_adapter().decrypt(
        Authenticator.objects.get(user=member, type=Authenticator.Type.RECOVERY_CODES).data["seed"]
    )
    assert member.totp_secret not in rows[Authenticator.Type.TOTP]
    assert seed not in rows[Authenticator.Type.RECOVERY_CODES]
    assert len(seed) >= 20
    # What is stored is a Fernet token under the project's key.
    totp_data = Authenticator.objects.get(user=member, type=Authenticator.Type.TOTP).data
    assert decrypt_text(totp_data["secret"]) == member.totp_secret


def test_encryption_uses_the_newest_key_and_reads_with_any(settings):
    settings.ENCRYPTION_KEYS = [KEY_A]
    token = encrypt_text("private words")
    settings.ENCRYPTION_KEYS = [KEY_B, KEY_A]
    assert decrypt_text(token) == "private words"
    assert Fernet(KEY_B.encode()).decrypt(encrypt_text("new").encode()) == b"new"
    settings.ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(DecryptionError):
        decrypt_text(token)


def test_mfa_rotation_hook_is_registered():
    assert "community.adapters.rotate_mfa_secrets" in ROTATION_HOOKS


def _sign_in_with_totp(client, member, secret):
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_rotation_moves_mfa_secrets_to_the_new_key_and_totp_sign_in_still_works(db, settings):
    settings.ENCRYPTION_KEYS = [KEY_A]
    member = _member_with_totp_and_recovery_codes()
    raw_before = _raw_authenticator_rows(member.pk)

    settings.ENCRYPTION_KEYS = [KEY_B, KEY_A]
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.ENCRYPTION_KEYS = [KEY_B]

    raw_after = _raw_authenticator_rows(member.pk)
    assert raw_after[Authenticator.Type.TOTP] != raw_before[Authenticator.Type.TOTP]
    assert member.totp_secret not in raw_after[Authenticator.Type.TOTP]
    _sign_in_with_totp(Client(), member, member.totp_secret)
    codes = RecoveryCodes(
        Authenticator.objects.get(user=member, type=Authenticator.Type.RECOVERY_CODES)
    ).get_unused_codes()
    assert len(codes) > 0


def test_without_rotation_dropping_the_old_key_breaks_sign_in(db, settings):
    # The counterpart of the test above: it proves the rotation is what keeps sign-in working.
    # The password step passes; the second factor fails on the one thing that changed, the
    # secret no configured key opens, and nobody is signed in.
    settings.ENCRYPTION_KEYS = [KEY_A]
    member = make_member(mfa=True)
    settings.ENCRYPTION_KEYS = [KEY_B]
    client = Client()
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    with pytest.raises(DecryptionError, match="No configured encryption key opens this value"):
        client.post(reverse("mfa_authenticate"), {"code": pyotp.TOTP(member.totp_secret).now()})
    response = client.get(reverse("settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.fixture
def diary_model(transactional_db):
    """A throwaway model with an EncryptedTextField, in its own app registry and table."""
    with isolate_apps("community"):

        class Diary(models.Model):  # noqa: DJ008 - a throwaway test table
            text = EncryptedTextField()
            optional = EncryptedTextField(blank=True, null=True)

            class Meta:
                app_label = "community"
                db_table = "test_encryption_diary"

        with connection.schema_editor() as editor:
            editor.create_model(Diary)
        yield Diary
        with connection.schema_editor() as editor:
            editor.delete_model(Diary)


def _raw_column(model, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} ORDER BY id")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def test_encrypted_text_field_stores_only_tokens_and_rotates(diary_model, settings):
    settings.ENCRYPTION_KEYS = [KEY_A]
    diary_model.objects.create(text="met my manager at 3pm", optional=None)
    diary_model.objects.create(text="second entry", optional="")
    raw = _raw_column(diary_model, "text")
    assert all("manager" not in value and "second" not in value for value in raw)

    settings.ENCRYPTION_KEYS = [KEY_B, KEY_A]
    assert rotate_field(diary_model, diary_model._meta.get_field("text")) == 2
    assert rotate_field(diary_model, diary_model._meta.get_field("optional")) == 0

    settings.ENCRYPTION_KEYS = [KEY_B]
    assert sorted(diary_model.objects.values_list("text", flat=True)) == [
        "met my manager at 3pm",
        "second entry",
    ]
    assert list(diary_model.objects.order_by("id").values_list("optional", flat=True)) == [None, ""]
