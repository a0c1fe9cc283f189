"""Kindred settings.

The environment is read once, here, through `config.env.Environment`. Two modes:

- embedded (default): SQLite file, in-memory channel layer, local-memory cache, console email;
  the Django secret and the field-encryption key are generated once into the git-ignored
  `var/` folder.
- production (`KINDRED_ENV=production`): every secret must come from the environment and the
  app refuses to start without it; `DATABASE_URL` and `REDIS_URL` switch on PostgreSQL and Redis.

Every knob is listed in `.env.example` and the README.
"""

from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from config.env import (
    Environment,
    checked_fernet_keys,
    generated_secret,
    new_django_secret,
    new_fernet_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent
env = Environment()

KINDRED_ENV = env.str("KINDRED_ENV", "embedded")
PRODUCTION = KINDRED_ENV == "production"
DATA_DIR = Path(env.str("KINDRED_DATA_DIR", str(BASE_DIR / "var")))

DEBUG = env.bool("DJANGO_DEBUG", False)

if PRODUCTION:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", required=True)
    ENCRYPTION_KEYS = env.list("KINDRED_ENCRYPTION_KEYS")
    if not ENCRYPTION_KEYS:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("KINDRED_ENCRYPTION_KEYS must be set in production.")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set in production.")
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY") or generated_secret(
        DATA_DIR / "secret_key", new_django_secret
    )
    ENCRYPTION_KEYS = env.list("KINDRED_ENCRYPTION_KEYS") or [
        generated_secret(DATA_DIR / "encryption_key", new_fernet_key)
    ]
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
ENCRYPTION_KEYS = checked_fernet_keys(ENCRYPTION_KEYS)

CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "huey.contrib.djhuey",
    "community",
    "messaging",
    "moderation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "community.time_zones.MemberTimeZoneMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "config.middleware.PrivacyHeadersMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.kindred",
            ],
        },
    },
]

# Database: SQLite file by default, PostgreSQL when DATABASE_URL is set.
DATABASE_URL = env.str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)
    }
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "kindred.sqlite3",
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and immediate transactions let the server and a management command share the file.
    # Keep connections: the chat's database thread would otherwise open one per frame.
    DATABASES["default"]["CONN_MAX_AGE"] = 600
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # secure_delete: SQLite overwrites deleted rows with zeros instead of leaving them in free
    # space, so an erased account leaves no copy in the file (docs/decisions/0061).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and channel layer: local memory by default, Redis when REDIS_URL is set.
# The rate limits of allauth and of the chat need a real cache, never the dummy one.
REDIS_URL = env.str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kindred",
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": "kindred"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "messaging.channel_layer.EmbeddedChannelLayer"}}

AUTH_USER_MODEL = "community.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Every form's controls carry aria-describedby for their error and help text (config/forms.py).
FORM_RENDERER = "config.forms.FormRenderer"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-allauth: email only, verified, and the same answer for known and unknown addresses.
ACCOUNT_ADAPTER = "community.adapters.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "community.forms.SignupForm"
# A known address does the same work as a new one (community/forms/signup.py, issue 14).
ACCOUNT_FORMS = {
    "signup": "community.forms.signup.SignupForm",
    "change_password": "community.forms.passwords.ChangePasswordForm",
    "reset_password_from_key": "community.forms.passwords.ResetPasswordKeyForm",
}
ACCOUNT_USER_DISPLAY = "community.adapters.user_display"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = "strict"
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_LOGIN_BY_CODE_ENABLED = False
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
# Confirming the address signs the new member in, but only in the browser that signed up: allauth
# logs in on confirmation only while that sign-up is pending in the session
# (docs/decisions/0071-careful-flows.md).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_RATE_LIMITS = {
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "send_email": "5/m/key",
    "confirm_email": "1/3m/key",
    "login": "30/m/ip",
    # Per address, Kindred's own lockout (community/services/sign_ins.py, decision 0008).
    "login_failed": "10/m/ip",
}
MFA_ADAPTER = "community.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# What an authenticator app lists; neutral, so a glance at a phone reveals nothing.
MFA_TOTP_ISSUER = env.str("KINDRED_TOTP_ISSUER", env.str("KINDRED_NEUTRAL_NAME", "Notes"))
USERSESSIONS_TRACK_ACTIVITY = False

# Email: console in embedded mode, SMTP when EMAIL_HOST is set. Sender and subjects are neutral.
# Production never falls back to the console: without EMAIL_HOST it relays through localhost.
EMAIL_HOST = env.str("EMAIL_HOST", "localhost" if PRODUCTION else "")
if EMAIL_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": EMAIL_HOST,
                "port": env.int("EMAIL_PORT", 587),
                "username": env.str("EMAIL_HOST_USER"),
                "password": env.str("EMAIL_HOST_PASSWORD"),
                "use_tls": env.bool("EMAIL_USE_TLS", True),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
del EMAIL_HOST
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "Notifications <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "en"
# Each language is named in itself in the switch (docs/decisions/0073).
LANGUAGES = [("en", "English"), ("es", "Español")]
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = PRODUCTION
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
# One date format per language for every page (community/dates.py, decision 0072).
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.storage.StaticStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
# Uploads are kept in memory only up to this size, then spooled to a temporary file.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# Security shell: strict CSP with nonces, no referrer leaks, no framing.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Kindred's own knobs.
# What a signed-in page's <title> says, whatever the page (docs/decisions/0007): a tab, the
# history, a bookmark or the task switcher shows only this.
KINDRED_NEUTRAL_NAME = env.str("KINDRED_NEUTRAL_NAME", "Notes")
KINDRED_QUICK_EXIT_URL = env.str("KINDRED_QUICK_EXIT_URL", "https://www.wikipedia.org/")
# The "before you send" check reads phone numbers written without a country code as numbers
# of this region (ISO 3166 code), unless the member set their own in their profile.
KINDRED_PHONE_REGION = env.str("KINDRED_PHONE_REGION", "US")

# Matching escrow (docs/decisions/0080-matching-escrow.md). The web tier reaches the escrow
# service at ESCROW_URL and proves itself with ESCROW_SECRET; the escrow's own OPRF key
# (ESCROW_OPRF_KEY) is read by `manage.py run_matching_escrow` alone, never here, so the web
# tier's settings never hold it. The escrow evaluates at most ESCROW_DAILY_LIMIT identifiers
# per account per UTC day; matching entries need a verified, MFA-protected account at least
# KINDRED_MATCHING_MIN_ACCOUNT_AGE old.
if PRODUCTION:
    ESCROW_URL = env.str("ESCROW_URL", required=True)
    ESCROW_SECRET = env.str("ESCROW_SECRET", required=True)
else:
    ESCROW_URL = env.str("ESCROW_URL", "http://127.0.0.1:8790")
    ESCROW_SECRET = env.str("ESCROW_SECRET") or generated_secret(
        DATA_DIR / "escrow_secret", new_django_secret
    )
ESCROW_DAILY_LIMIT = env.int("ESCROW_DAILY_LIMIT", 10)
ESCROW_TIMEOUT = env.duration("ESCROW_TIMEOUT", "5s")
KINDRED_MATCHING_MIN_ACCOUNT_AGE = env.duration("KINDRED_MATCHING_MIN_ACCOUNT_AGE", "14d")

# Sign-in lockout (docs/decisions/0008): after this many failed sign-ins with one address
# within the window, signing in with that address is paused for the period, whether or not an
# account has it. The journal asks for the password (or the code) again after this long without
# a journal page, and once in every new session.
KINDRED_SIGN_IN_LOCKOUT_FAILURES = env.int("KINDRED_SIGN_IN_LOCKOUT_FAILURES", 5)
KINDRED_SIGN_IN_LOCKOUT_WINDOW = env.duration("KINDRED_SIGN_IN_LOCKOUT_WINDOW", "15m")
KINDRED_SIGN_IN_LOCKOUT_PERIOD = env.duration("KINDRED_SIGN_IN_LOCKOUT_PERIOD", "15m")
KINDRED_JOURNAL_RELOCK_AFTER = env.duration("KINDRED_JOURNAL_RELOCK_AFTER", "15m")

# Message requests (docs/decisions/0009): a request from an account younger than this, or
# from someone who shares no group with the recipient, goes to their filtered list (or is
# refused, by their setting); a declined sender may ask again only after the cooldown.
KINDRED_MESSAGE_REQUEST_MIN_ACCOUNT_AGE = env.duration(
    "KINDRED_MESSAGE_REQUEST_MIN_ACCOUNT_AGE", "7d"
)
KINDRED_MESSAGE_REQUEST_COOLDOWN = env.duration("KINDRED_MESSAGE_REQUEST_COOLDOWN", "30d")

# Support requests (docs/decisions/0042): how long a request addressed to one advocate waits
# for them before it opens to the specialty's whole pool, how much longer it then waits in the
# pool before staff are alerted, and how long an urgent request waits at each of the two steps.
KINDRED_SUPPORT_ESCALATE_TO_POOL_AFTER = env.duration(
    "KINDRED_SUPPORT_ESCALATE_TO_POOL_AFTER", "24h"
)
KINDRED_SUPPORT_ESCALATE_TO_STAFF_AFTER = env.duration(
    "KINDRED_SUPPORT_ESCALATE_TO_STAFF_AFTER", "24h"
)
KINDRED_SUPPORT_ESCALATE_URGENT_AFTER = env.duration("KINDRED_SUPPORT_ESCALATE_URGENT_AFTER", "1h")

# Real time (docs/protocol.md). Shared short-lived state (rate counters, slow mode, presence)
# lives in Redis when REDIS_URL is set, else in the one process's memory.
KINDRED_LIVE_STORE = {"url": REDIS_URL, "prefix": "kindred-live"}
# Messages per member across all conversations, and frames of any type per socket.
KINDRED_CHAT_RATE_LIMIT = env.rate("KINDRED_CHAT_RATE_LIMIT", "20/10")
# Searches per member (the search page; community/views/search.py).
KINDRED_SEARCH_RATE_LIMIT = env.rate("KINDRED_SEARCH_RATE_LIMIT", "30/60")
KINDRED_SOCKET_FRAME_BUDGET = env.rate("KINDRED_SOCKET_FRAME_BUDGET", "60/10")
# Call signalling (offers, answers, candidates) per socket, counted apart from the above.
KINDRED_CALL_SIGNAL_BUDGET = env.rate("KINDRED_CALL_SIGNAL_BUDGET", "300/10")
# A crashed process's presence entries expire after this many seconds; live processes refresh
# theirs every third of it.
KINDRED_PRESENCE_TTL = env.int("KINDRED_PRESENCE_TTL", 20)
# How often each process checks that no message of a conversation it serves went missing on
# the way (a lost publication): missing ones are read from the database.
KINDRED_STREAM_CHECK_SECONDS = env.int("KINDRED_STREAM_CHECK_SECONDS", 5)

# Calls (docs/protocol.md, "Calls"): WebRTC media goes only through Kindred's own TURN relay
# (coturn with `use-auth-secret`); TURN_URLS lists its addresses (comma-separated turn: or
# turns: URLs) and TURN_SECRET is coturn's `static-auth-secret`. Without both, calls are off.
# `make run` starts a local coturn on 127.0.0.1 and sets them when the machine has one.
TURN_URLS = env.list("TURN_URLS")
TURN_SECRET = env.str("TURN_SECRET")
if TURN_URLS and not TURN_SECRET and PRODUCTION:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("TURN_SECRET must be set in production when TURN_URLS is.")
if TURN_URLS and not TURN_SECRET:
    # Embedded mode's local relay (`make run`) shares this checkout's generated secret.
    TURN_SECRET = generated_secret(DATA_DIR / "turn_secret", new_django_secret)
# How long a participant's TURN credentials stay valid (a length of time: 2h, 90m).
TURN_CREDENTIAL_TTL = env.duration("TURN_CREDENTIAL_TTL", "4h")
# Full mesh: every participant sends to every other, so the call stays small.
KINDRED_CALL_VIDEO_LIMIT = env.int("KINDRED_CALL_VIDEO_LIMIT", 6)
KINDRED_CALL_VOICE_LIMIT = env.int("KINDRED_CALL_VOICE_LIMIT", 12)
# How long a call waits for its host's dropped connection to come back before it ends for
# everyone (seconds; leaving on purpose ends it at once).
KINDRED_CALL_HOST_GRACE = env.int("KINDRED_CALL_HOST_GRACE", 20)

# Timed work (docs/decisions/0070-timed-work.md): each app's `tasks.py` declares its timers as
# Huey periodic tasks; one scheduler process runs them all (`python manage.py run_huey`, which
# `make run` starts next to daphne). Daphne never runs a timer, however many processes serve.
# The scheduler's queue and locks live in Redis when REDIS_URL is set, else in a SQLite file.
if REDIS_URL:
    huey_class, huey_connection = "huey.RedisHuey", {"url": REDIS_URL}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    huey_class, huey_connection = "huey.SqliteHuey", {"filename": str(DATA_DIR / "tasks.sqlite3")}
HUEY = {
    "name": "kindred",
    "huey_class": huey_class,
    "connection": huey_connection,
    # djhuey would otherwise run tasks inside the web process whenever DEBUG is on.
    "immediate": False,
    # Nothing reads a timer's return value.
    "results": False,
    "utc": True,
    "consumer": {
        "workers": 1,
        "worker_type": "thread",
        "periodic": True,
        # A timer's lock left behind by a scheduler killed mid-run would stop that timer for
        # good: a starting scheduler clears them.
        "flush_locks": True,
    },
}
del huey_class, huey_connection

log_level = env.str("DJANGO_LOG_LEVEL", "WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": log_level},
    # The scheduler logs each run at INFO; a failing timer is logged at ERROR.
    "loggers": {"huey": {"handlers": ["console"], "level": log_level, "propagate": False}},
}
del log_level
