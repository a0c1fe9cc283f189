"""The security shell: headers on every page, and a production configuration that passes
`manage.py check --deploy` (and refuses to start without its secrets)."""

import os
import re
import secrets
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.urls import reverse

ROOT = settings.BASE_DIR


def _directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize("name", ["home", "privacy", "account_login", "account_signup"])
def test_pages_send_the_strict_csp_and_privacy_headers(client, db, name):
    response = client.get(reverse(name))
    csp = _directives(response["Content-Security-Policy"])
    nonce = re.search(r"'nonce-([A-Za-z0-9_\-+/=]+)'", response["Content-Security-Policy"]).group(0)
    assert csp == {
        "default-src": ["'self'"],
        "script-src": ["'self'", nonce],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_each_response_gets_a_fresh_nonce_used_by_its_scripts(client, db):
    nonces = []
    for _ in range(2):
        response = client.get(reverse("home"))
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        assert f'nonce="{nonce}"' in response.content.decode()
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_signed_in_pages_are_no_store(member_client):
    response = member_client.get(reverse("settings"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_session_and_csrf_cookies_are_not_readable_by_scripts_or_other_sites(member_client):
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.CSRF_COOKIE_SAMESITE == "Lax"


def test_locale_middleware_is_on_and_english_and_spanish_are_shipped():
    # Kindred's own LocaleMiddleware: Django's, with a signed-in member's choice first.
    assert "config.middleware.LocaleMiddleware" in settings.MIDDLEWARE
    assert settings.LANGUAGES == [("en", "English"), ("es", "Español")]


# Production settings, checked in a separate process as a deployment would run them.


def _production_env(**overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "KINDRED_", "DATABASE_URL", "REDIS_URL", "EMAIL_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "KINDRED_ENV": "production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_ALLOWED_HOSTS": "peer.example.org",
            "KINDRED_ENCRYPTION_KEYS": ",".join(Fernet.generate_key().decode() for _ in range(2)),
            "ESCROW_URL": "https://escrow.internal.example.org:8790",
            "ESCROW_SECRET": secrets.token_urlsafe(32),
        }
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _check_deploy(env):
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_configuration_passes_check_deploy():
    result = _check_deploy(_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("KINDRED_ENCRYPTION_KEYS", "KINDRED_ENCRYPTION_KEYS must be set in production"),
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY must be set in production"),
        ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS must be set in production"),
        ("ESCROW_URL", "ESCROW_URL"),
        ("ESCROW_SECRET", "ESCROW_SECRET"),
    ],
)
def test_production_refuses_to_start_without_its_secrets(missing, message):
    result = _check_deploy(_production_env(**{missing: None}))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_refuses_a_malformed_encryption_key():
    result = _check_deploy(_production_env(KINDRED_ENCRYPTION_KEYS="not-a-fernet-key"))
    assert result.returncode != 0
    assert "KINDRED_ENCRYPTION_KEYS" in result.stderr


def test_favicon_ico_points_at_the_local_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].startswith("/static/favicon-neutral")
