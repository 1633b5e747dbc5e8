"""Django settings for Offload. Values come from `offload.config.env.ENV`; nothing here reads os.environ."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import dj_database_url

from offload.config.env import BASE_DIR, ENV

DEBUG = ENV.debug
SECURE = ENV.secure if ENV.secure is not None else not DEBUG
SECRET_KEY = ENV.secret_key or "offload-development-key-never-use-in-production-0123456789abcdef"
ALLOWED_HOSTS = ENV.allowed_hosts
DATA_DIR = ENV.data_dir
BASE_URL = ENV.base_url.rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.admin",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "django_tasks_db",
    "crontask",
    "ninja",
    "offload.core",
    "offload.tenancy",
    "offload.accounts",
    "offload.servicedesk",
    "offload.noc",
    "offload.alerts",
    "offload.console",
    "offload.portal",
    "offload.api",
    "offload.demo",
]

MIDDLEWARE = [
    # First: a request on an MSP's portal host name is routed to that portal, and that host is
    # accepted although it is not in ALLOWED_HOSTS (portal hosts live in the database).
    "offload.portal.middleware.PortalHostMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Resolves who is acting and for which tenant, once per request; every query reads it.
    "offload.accounts.middleware.ActingScopeMiddleware",
    "offload.accounts.middleware.StaffMFARequiredMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "offload.config.urls"
WSGI_APPLICATION = "offload.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "offload" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "offload.accounts.context_processors.acting",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
if ENV.database_url:
    _db = dj_database_url.parse(ENV.database_url, conn_max_age=60, conn_health_checks=True)
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    _db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA_DIR / "offload.sqlite3")}
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web processes read while the worker writes; IMMEDIATE avoids upgrade deadlocks.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=20000;"
        ),
    }
    _db.pop("CONN_HEALTH_CHECKS", None)
    _db["CONN_MAX_AGE"] = 0
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "offload_cache",
    }
}

# --- Background work ----------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": "offload.core.tasks.backend.DatabaseBackend",  # django-tasks-db + retry policy
        "QUEUES": ["default", "mail", "alerts"],
    }
}

# --- Authentication -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "offload.accounts.adapters.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_RATE_LIMITS = {
    "login_failed": ENV.login_rate,
    "reset_password": "20/m/ip,5/m/key",
}
ACCOUNT_SESSION_REMEMBER = None
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Offload"
MFA_ADAPTER = "offload.accounts.adapters.MFAAdapter"
OFFLOAD_REQUIRE_STAFF_MFA = ENV.require_staff_mfa

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = [f"{urlsplit(BASE_URL).scheme}://{urlsplit(BASE_URL).netloc}"]
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

from django.utils.csp import CSP  # noqa: E402  (settings module: grouped with the setting it serves)

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# --- Mail ---------------------------------------------------------------------------------------
_mail = urlsplit(ENV.email_url)
if _mail.scheme in {"smtp", "smtps", "submission"}:
    _mailer: dict = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": _mail.hostname or "localhost",
            "port": _mail.port
            or (465 if _mail.scheme == "smtps" else 587 if _mail.scheme == "submission" else 25),
            "username": _mail.username or "",
            "password": _mail.password or "",
            "use_ssl": _mail.scheme == "smtps",
            "use_tls": _mail.scheme == "submission",
            "timeout": 30,
        },
    }
elif _mail.scheme == "locmem":
    _mailer = {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
else:
    _mailer = {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
MAILERS = {"default": _mailer}
DEFAULT_FROM_EMAIL = ENV.default_from_email
SERVER_EMAIL = ENV.default_from_email
# Outbound ticket mail (servicedesk/services/outbound.py): our Message-ID domain, loop token, and
# the per-recipient rate limit (mails per recipient per MSP within the window, in seconds).
OFFLOAD_MAIL_MESSAGE_ID_DOMAIN = ENV.mail_message_id_domain or urlsplit(ENV.base_url).hostname or "localhost"
OFFLOAD_MAIL_LOOP_TOKEN = (
    ENV.mail_loop_token or hashlib.sha256(f"loop:{SECRET_KEY}".encode()).hexdigest()[:32]
)
_rate_count, _, _rate_window = ENV.mail_rate.partition("/")
OFFLOAD_MAIL_RATE_COUNT = int(_rate_count or 10)
OFFLOAD_MAIL_RATE_WINDOW = int(_rate_window.rstrip("m") or 10) * 60

# --- Internationalisation, static and media ------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "offload" / "static"]
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- API ----------------------------------------------------------------------------------------
NINJA_PAGINATION_MAX_LIMIT = 200

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": ENV.log_level},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "apscheduler": {"level": "WARNING"},
        # crontask's liveness job logs a line of ASCII art every minute.
        "crontask.tasks": {"level": "WARNING"},
    },
}
