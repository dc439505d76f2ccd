"""Settings for the community board, all from the environment (the image's and the stack test's).

| variable | meaning | default |
| --- | --- | --- |
| DB_ENGINE | `mysql` (MySQL, MariaDB) or `postgresql` | mysql |
| DB_HOST, DB_PORT | the database server | db, 3306 or 5432 |
| DB_NAME, DB_USER | database and account | board, board |
| DB_PASSWORD / DB_PASSWORD_FILE | the account's password, or a file holding it (a secret) | empty |
| SECRET_KEY / SECRET_KEY_FILE | Django's signing key; required unless DJANGO_DEBUG=1 | none |
| ALLOWED_HOSTS | host names this site answers, comma-separated | localhost,127.0.0.1,[::1] |
| CSRF_TRUSTED_ORIGINS | origins allowed to post forms over HTTPS, comma-separated | none |
| STATIC_ROOT | where `collectstatic` writes (the volume the proxies serve) | /app/staticfiles |
| DJANGO_DEBUG | 1 for Django's debug pages (never in production) | 0 |
| DJANGO_HTTPS | 1 when clients use HTTPS: redirect HTTP, secure cookies | 0 |
| DJANGO_HSTS_SECONDS | Strict-Transport-Security max-age with DJANGO_HTTPS=1 | 0 |
| DJANGO_LOG_LEVEL | level of the console log | INFO |
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=""):
    """The variable's value, or `default` when it is unset or empty."""
    value = os.environ.get(name, "")
    return value if value else default


def env_list(name, default=""):
    """A comma-separated variable as a list, blanks dropped."""
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def secret(name, default=""):
    """NAME, or the contents of the file NAME_FILE names (the docker-library `file_env` convention).

    The entrypoint resolves `_FILE` variables itself and may pass both on; they then agree. Two
    different values are a configuration error, as in `file_env`. The value is never printed.
    """
    value = os.environ.get(name, "")
    path = os.environ.get(name + "_FILE", "")
    if not path:
        return value if value else default
    try:
        with open(path, encoding="utf-8") as handle:
            content = handle.read().rstrip("\n")
    except OSError as error:
        raise ImproperlyConfigured(
            f"{name}_FILE: cannot read {path}: {error.strerror}"
        ) from None
    if value and value != content:
        raise ImproperlyConfigured(f"both {name} and {name}_FILE are set: set only one")
    return content


DEBUG = env("DJANGO_DEBUG", "0").lower() in ("1", "true", "yes", "on")

SECRET_KEY = secret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is not set: set SECRET_KEY or SECRET_KEY_FILE")
    SECRET_KEY = "insecure-development-key"

# The health checks of the image and of Compose ask on the loopback address: always answer there.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") + ["localhost", "127.0.0.1", "[::1]"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# HAProxy sets X-Forwarded-Proto from the client's connection and the proxies pass it on.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Served over HTTPS (TLS ended at HAProxy): redirect plain HTTP, secure cookies, optional HSTS.
# The health endpoint stays reachable over plain HTTP for the health checks inside the network.
if env("DJANGO_HTTPS", "0").lower() in ("1", "true", "yes", "on"):
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^api/health$"]
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", "0"))

INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "board",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "board_project.urls"
WSGI_APPLICATION = "board_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csrf",
            ],
        },
    },
]

DB_ENGINE = env("DB_ENGINE", "mysql")
if DB_ENGINE == "mysql":
    try:
        import MySQLdb  # noqa: F401  (mysqlclient, when installed, is Django's first choice)
    except ImportError:
        import pymysql

        pymysql.install_as_MySQLdb()
    DATABASE_OPTIONS = {"charset": "utf8mb4", "connect_timeout": 5}
    DEFAULT_DB_PORT = "3306"
elif DB_ENGINE == "postgresql":
    DATABASE_OPTIONS = {"connect_timeout": 5}
    DEFAULT_DB_PORT = "5432"
else:
    raise ImproperlyConfigured(f"DB_ENGINE is {DB_ENGINE!r}: use mysql or postgresql")

DATABASES = {
    "default": {
        "ENGINE": f"django.db.backends.{DB_ENGINE}",
        "HOST": env("DB_HOST", "db"),
        "PORT": env("DB_PORT", DEFAULT_DB_PORT),
        "NAME": env("DB_NAME", "board"),
        "USER": env("DB_USER", "board"),
        "PASSWORD": secret("DB_PASSWORD"),
        "OPTIONS": DATABASE_OPTIONS,
        # Keep connections between requests, and check them before reuse: the database may have
        # restarted in between.
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT", "/app/staticfiles")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
}
