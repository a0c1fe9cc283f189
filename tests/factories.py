"""Builders for test data: real rows through the same models the app uses."""

import itertools

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from community.models import Profile, User

PASSWORD = "correct-horse-battery-staple"
_counter = itertools.count(1)


def make_member(
    *,
    email: str | None = None,
    pseudonym: str | None = None,
    verified: bool = True,
    staff: bool = False,
    site_moderator: bool = False,
    mfa: bool = False,
    password: str = PASSWORD,
) -> User:
    number = next(_counter)
    email = email or f"member{number}@example.org"
    user = User.objects.create_user(
        email=email,
        password=password,
        is_staff=staff,
        is_superuser=staff,
        is_site_moderator=site_moderator,
    )
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    Profile.objects.create(user=user, pseudonym=pseudonym or f"Member{number:04d}")
    if mfa:
        user.totp_secret = generate_totp_secret()
        TOTP.activate(user, user.totp_secret)
    return user


def make_message(*, conversation, sender, body: str, client_id: str | None = None):
    """A stored chat message with its stream position, as the app stores one (no checks,
    nothing announced): for setting up history."""
    from messaging.services.conversations import store_message

    message, _created = store_message(
        conversation_id=conversation.pk,
        sender=sender,
        body=body,
        client_id=client_id or f"made-{next(_counter)}",
    )
    return message


def make_support_thread(*, member, advocate, alias: str = ""):
    """An accepted support request between `member` and `advocate` and its private thread,
    as accepting one opens it (without the advocate's verification, for messaging tests)."""
    from community.demo.library import ensure_specialties
    from community.models import SupportRequest
    from messaging.services.conversations import create_support_conversation

    support_request = SupportRequest.objects.create(
        member=member,
        advocate=advocate,
        specialty=ensure_specialties()["counselling"],
        summary="help",
        language="en",
        alias=alias,
        status=SupportRequest.Status.ACCEPTED,
    )
    return create_support_conversation(support_request=support_request)


def signed_in(user):
    """A test client signed in as `user` (without a password step: force_login)."""
    client = Client()
    client.force_login(user)
    return client


def unlock_journal(client, *, password: str = PASSWORD):
    """Proves the password again in this client's session, through allauth's re-authentication
    page, as the journal asks in every new session (community/journal_lock.py)."""
    from django.urls import reverse

    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302, "re-authentication was refused"
    return client
