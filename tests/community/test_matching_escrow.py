"""The matching escrow service (decision 0080): a real process with its own key, reached by
the web tier's client; the RFC's protocol end to end, the daily limit per account, the shared
secret, no log of inputs, and the web tier never holding the key."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from community.matching import escrow, oprf
from tests.factories import make_member
from tests.servers import ROOT, escrow_log_path

pytestmark = pytest.mark.django_db


def _evaluate(user, message: bytes) -> bytes:
    blind_scalar, blinded = oprf.blind(message)
    return oprf.finalize(message, blind_scalar, escrow.evaluate(user, blinded))


def test_the_escrow_evaluates_the_rfc_protocol_for_the_browser(matching_escrow):
    first, second = make_member(), make_member()
    message = b"email:j.doe@example.com"
    # The same identifier gives the same output for everyone, whatever the blind...
    assert _evaluate(first, message) == _evaluate(second, message)
    # ...and another identifier another output.
    assert _evaluate(first, message) != _evaluate(first, b"email:jane.roe@example.com")
    assert escrow.escrow_available()


def test_the_daily_limit_holds_per_account(matching_escrow, settings):
    member, other = make_member(), make_member()
    _scalar, blinded = oprf.blind(b"phone:+14155550100")
    for _ in range(settings.ESCROW_DAILY_LIMIT):
        escrow.evaluate(member, blinded)
    with pytest.raises(escrow.EscrowRateLimited):
        escrow.evaluate(member, blinded)
    with pytest.raises(escrow.EscrowRateLimited):
        escrow.evaluate(member, oprf.blind(b"email:someone@example.com")[1])
    # Another account has its own day.
    assert len(escrow.evaluate(other, blinded)) == 32


def test_an_account_made_later_with_the_same_id_is_another_account():
    member = make_member()
    tag = escrow.account_tag(member)
    member.date_joined = timezone.now() + timedelta(seconds=1)
    assert escrow.account_tag(member) != tag
    assert len(tag) == 64  # an HMAC, not the id


def test_the_escrow_refuses_what_is_not_an_element(matching_escrow):
    with pytest.raises(escrow.EscrowRefused):
        escrow.evaluate(make_member(), bytes(32))
    with pytest.raises(escrow.EscrowRefused):
        escrow.evaluate(make_member(), b"\xff" * 32)


def test_the_escrow_refuses_a_caller_without_the_shared_secret(matching_escrow, settings):
    settings.ESCROW_SECRET = "not-the-secret"
    assert not escrow.escrow_available()
    with pytest.raises(escrow.EscrowUnavailable):
        escrow.evaluate(make_member(), oprf.blind(b"email:a@b.co")[1])


def test_an_unreachable_escrow_is_unavailable(settings):
    settings.ESCROW_URL = "http://127.0.0.1:9"
    assert not escrow.escrow_available()
    with pytest.raises(escrow.EscrowUnavailable):
        escrow.evaluate(make_member(), oprf.blind(b"email:a@b.co")[1])


def test_the_escrow_keeps_no_log_of_inputs(matching_escrow):
    member = make_member()
    _scalar, blinded = oprf.blind(b"email:logged@example.com")
    escrow.evaluate(member, blinded)
    log = escrow_log_path(int(matching_escrow.rsplit(":", 1)[1])).read_text()
    assert blinded.hex() not in log
    assert escrow.account_tag(member) not in log
    assert "POST" not in log and "/evaluate" not in log


def test_the_web_tier_never_holds_the_escrow_key(matching_escrow, settings):
    assert "ESCROW_OPRF_KEY" not in os.environ
    assert not hasattr(settings, "ESCROW_OPRF_KEY")


def test_the_escrow_refuses_to_start_with_a_malformed_key():
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "manage.py", "run_matching_escrow", "--bind", "127.0.0.1:9"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "ESCROW_OPRF_KEY": "zz"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ESCROW_OPRF_KEY must be 64 hex digits" in result.stderr
