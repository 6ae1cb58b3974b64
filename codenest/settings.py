"""CodeNest settings, read from the environment (see .env.example).

Unset DATABASE_URL / REDIS_URL select the embedded defaults (SQLite, in-memory channel layer,
local-memory cache, eager Celery); set them for PostgreSQL and Redis. With DEBUG unset the
settings are production-safe.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A developer's .env configures `make run`, the worker and manage.py. The test configuration
# (pyproject.toml, [tool.pytest.ini_options] env) sets CODENEST_READ_DOTENV=0, and the server
# processes tests start inherit it, so whatever a local .env says never reaches the suite.
READ_DOTENV = env.bool("CODENEST_READ_DOTENV", default=True)
if READ_DOTENV:
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# DEBUG from the environment or .env; else the default of whoever starts the process: production-safe,
# except that `make run` / `make worker` / `make beat` pass CODENEST_DEFAULT_DEBUG=1 (development).
DEBUG = env.bool("DEBUG", default=env.bool("CODENEST_DEFAULT_DEBUG", default=False))
# Set by the test configuration (and passed to the servers the end-to-end tests start): production
# settings apply, minus the HTTPS redirect and the required secret.
TESTING = env.bool("CODENEST_TESTING", default=False)

# Processes that serve requests or run tasks refuse to start in production without a real key
# (codenest/startup.py): unset, or a placeholder like .env.example's, is not one.
SECRET_KEY_REQUIRED = not (DEBUG or TESTING)
if SECRET_KEY_REQUIRED:
    # No default in production. When unset, a throwaway per-process key lets commands that sign nothing
    # (makemigrations --check) run, while the processes that serve or run tasks refuse to start and
    # `check --deploy` fails (codenest/startup.py), so nothing is ever signed with it.
    SECRET_KEY_CONFIGURED = bool(env("SECRET_KEY", default=""))
    SECRET_KEY = env("SECRET_KEY", default="") or get_random_secret_key()
else:
    SECRET_KEY = env("SECRET_KEY", default="dev-insecure-secret-key-change-me-0123456789abcdefghijklmnop")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG or TESTING else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "corsheaders",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "channels",
    "api",
    "users",
    "rooms",
    "posts",
    "projects",
    "events",
    "hackathons",
    "notifications",
    "gamification",
    "uploads",
    # --- accounts (issue 10): GitHub login's account links (python-social-auth) ---
    "social_django",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy on every response (see CONTENT_SECURITY_POLICY)
    "api.deprecation.DeprecationHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "codenest.middleware.JsonNotFoundMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "codenest.urls"
WSGI_APPLICATION = "codenest.wsgi.application"
ASGI_APPLICATION = "codenest.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if IS_POSTGRES:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # SQLite: wait on a locked database instead of failing at once (daphne + eager tasks write).
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # Transactions take the write lock when they begin: two processes that both read and then write
    # (two daphne processes posting chat messages) would otherwise deadlock on the lock upgrade, which
    # SQLite answers at once with "database is locked" instead of waiting out the timeout.
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    # A file, not memory, so the server processes started by end-to-end tests see the test data.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / env("CODENEST_TEST_DB", default=".test-db.sqlite3"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- redis-backed services, or their embedded stand-ins --------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="codenest"),
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 gives every read a 5 s socket timeout by default, the same 5 s for which
                # channels_redis's receive blocks in BZPOPMIN (RedisChannelLayer.brpop_timeout): an idle
                # socket's read timed out first (TimeoutError → the consumer died, close 1011). Reads may
                # take longer than the blocking pop; a dead Redis is still noticed within 15 s.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15}],
                "prefix": env("CHANNEL_LAYER_PREFIX", default="codenest"),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "codenest"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- celery ----------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
# Tests run tasks eagerly unless a test starts a real worker and turns this off for itself.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL or TESTING)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "github-resync-hourly": {"task": "projects.tasks.resync_all_projects", "schedule": 3600.0},
    "digest-daily": {"task": "notifications.tasks.send_digests", "schedule": 3600.0 * 24, "args": ("daily",)},
    "digest-weekly": {"task": "notifications.tasks.send_digests", "schedule": 3600.0 * 24 * 7, "args": ("weekly",)},
    "streaks-expire-hourly": {"task": "gamification.tasks.expire_streaks", "schedule": 3600.0},
    "uploads-unused-cleanup-hourly": {"task": "uploads.tasks.delete_unused_uploads", "schedule": 3600.0},
    # Every 5 minutes: yes-voters hear of a locked event 55-60 minutes before it starts.
    "event-reminders": {"task": "events.tasks.send_event_reminders", "schedule": 300.0},
}

# --- auth ------------------------------------------------------------------------------------
AUTH_USER_MODEL = "users.User"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("handle", "name", "email")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Hashing dominates test time; the algorithm is not what the tests check.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=14)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    # Bounded e-mail and password lengths for every token-obtain view (an over-long e-mail was a 500).
    "TOKEN_OBTAIN_SERIALIZER": "users.serializers.LoginSerializer",
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.URLPathVersioning",
    "DEFAULT_VERSION": "v1",
    "ALLOWED_VERSIONS": ["v1"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PagePagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",  # documents every error status (api/schema.py)
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.WriteRateThrottle"],  # every write rate limited
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_METADATA_CLASS": "api.metadata.DescriptionOnlyMetadata",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PARSER_CLASSES": ["api.parsers.SafeJSONParser"],  # JSON nested too deep → 400
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "CodeNest API",
    # The WebSocket reference (docs/websockets.md) is appended by api/schema_docs.py.
    "DESCRIPTION": (
        "Rooms, chat, posts, projects, notifications and gamification for developers. "
        "REST under `/api/v1/` with `Authorization: Bearer <access JWT>` from `POST /api/v1/auth/login/`; "
        'errors are JSON (`{"detail": ...}`, or `{"field": [...]}` for invalid input). Live data comes over '
        "WebSockets, documented below and in the repository's docs/websockets.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Tags start collapsed: with ~160 operations, Swagger UI expanding every tag at once stops rendering
    # part-way in Chromium (measured: > ~140 operations); a reader opens the tag they need.
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "docExpansion": "none"},
    "COMPONENT_SPLIT_REQUEST": True,
    # Summaries instead of raw operation ids, tags in reading order, aliases marked (api/schema_docs.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema_docs.summaries_tags_and_aliases",
    ],
    # Several apps name a field "role", "kind" or "status" with different choices: name each set.
    "ENUM_NAME_OVERRIDES": {
        "RoomRoleEnum": "rooms.models.Role",
        "ProjectRoleEnum": "projects.models.ProjectRole",
        "AssignableProjectRoleEnum": ["maintainer", "developer", "viewer"],
        "MessageKindEnum": "rooms.models.MessageKind",
        "PostKindEnum": "posts.models.PostKind",
        "ProjectStatusEnum": "projects.models.ProjectStatus",
        "TaskStatusEnum": "projects.models.TaskStatus",
        "SyncStatusEnum": "projects.models.SyncStatus",
        "ReportStatusEnum": "posts.models.ReportStatus",
        "NotificationVerbEnum": "notifications.models.Verb",
        "EventStatusEnum": "events.models.EventStatus",
        "EventTaskStatusEnum": "events.models.EventTaskStatus",
    },
}

# --- rate limits (django-ratelimit on the shared cache) --------------------------------------
RATELIMIT_ENABLE = True
RATELIMIT_USE_CACHE = "default"
RATELIMIT_AUTH = env("RATELIMIT_AUTH", default="10/m")
RATELIMIT_POSTS = env("RATELIMIT_POSTS", default="10/m")
RATELIMIT_CHAT = env("RATELIMIT_CHAT", default="20/10s")
RATELIMIT_UPLOADS = env("RATELIMIT_UPLOADS", default="60/m")
# --- API hygiene (issue 9): every write rate limited per user and scope (api/throttling.py) ---
RATELIMIT_WRITES = env("RATELIMIT_WRITES", default="60/m")
RATELIMIT_WRITE_SCOPES = env.dict("RATELIMIT_WRITE_SCOPES", default={})  # "post.vote=120/m,room.create=5/m"
RATELIMIT_WEBHOOK = env("RATELIMIT_WEBHOOK", default="600/m")  # per sender address: GitHub sends from few
# Deprecated API versions → Deprecation/Sunset/Link headers (api/deprecation.py), e.g.
# API_DEPRECATIONS='{"v1": {"deprecation": "2026-12-01", "sunset": "2027-06-30", "successor": "/api/v2/"}}'
API_DEPRECATIONS = env.json("API_DEPRECATIONS", default={})
# ------------------------------------------------------------------------------------------------
# --- accounts (issue 10) ---
RATELIMIT_BLOCKS = env("RATELIMIT_BLOCKS", default="30/m")
RATELIMIT_PASSWORD_RESET = env("RATELIMIT_PASSWORD_RESET", default="5/h")  # per address (per IP: RATELIMIT_AUTH)
RATELIMIT_EMAIL_RESEND = env("RATELIMIT_EMAIL_RESEND", default="5/h")
RATELIMIT_ACCOUNT = env("RATELIMIT_ACCOUNT", default="30/h")  # erase, export, e-mail change, GitHub (un)link
RATELIMIT_PEOPLE = env("RATELIMIT_PEOPLE", default="120/m")
RATELIMIT_TOKEN_VERIFY = env("RATELIMIT_TOKEN_VERIFY", default="60/m")
# --- direct messages (issue 12) ---
# Starting direct/group conversations (POST conversations/), per user.
RATELIMIT_CONVERSATIONS = env("RATELIMIT_CONVERSATIONS", default="30/m")
# Seconds a chat socket stays "online" without a heartbeat (a crashed process's users lapse after it).
ROOM_PRESENCE_TTL = env.float("ROOM_PRESENCE_TTL", default=45)
# Behind a proxy the client address is in X-Forwarded-For; trust it only when told to.
RATELIMIT_TRUST_X_FORWARDED_FOR = env.bool("RATELIMIT_TRUST_X_FORWARDED_FOR", default=False)
# LocMem is process-local: fine for the embedded single-process default, Redis when REDIS_URL is set.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

# --- Content-Security-Policy (django-csp), on every response ---------------------------------
# Everything the admin, Swagger UI and ReDoc load is served by the app itself (WhiteNoise, sidecar):
# scripts only from this origin, never inline (Swagger's initialiser is served as a file by the split
# view, ReDoc starts from its <redoc> tag). Inline styles are allowed: ReDoc's styled-components and
# Swagger UI inject <style> elements. Icons are data: URIs; ReDoc's search runs in a blob: worker.
# Nothing else from another origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        # ReDoc's side menu always shows Redocly's logo from their CDN (hard-coded in the bundle): that one
        # file is allowed; offline it just fails to load and ReDoc hides it.
        "img-src": ["'self'", "data:", "https://cdn.redoc.ly/redoc/logo-mini.svg"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- CORS ------------------------------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=["http://localhost:3000"])

# --- e-mail ----------------------------------------------------------------------------------
EMAIL_URL = env("EMAIL_URL", default="consolemail://")
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="CodeNest <noreply@codenest.local>")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# --- accounts (issue 10): e-mail verification, password reset, GitHub login ------------------
# The SPA's base URL: e-mailed links point at {FRONTEND_URL}/reset-password and /verify-email.
FRONTEND_URL = env("FRONTEND_URL", default="http://localhost:3000").rstrip("/")
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)
# optional: nothing blocked; mandatory: unverified users may sign in but not write content.
EMAIL_VERIFICATION = env("EMAIL_VERIFICATION", default="optional")
if EMAIL_VERIFICATION not in {"optional", "mandatory"}:
    raise ValueError("EMAIL_VERIFICATION must be 'optional' or 'mandatory'.")
EMAIL_VERIFICATION_TIMEOUT = env.int("EMAIL_VERIFICATION_TIMEOUT", default=3 * 24 * 3600)
GITHUB_OAUTH_URL = env("GITHUB_OAUTH_URL", default="https://github.com").rstrip("/")
GITHUB_OAUTH_CLIENT_ID = env("GITHUB_OAUTH_CLIENT_ID", default="")
GITHUB_OAUTH_CLIENT_SECRET = env("GITHUB_OAUTH_CLIENT_SECRET", default="")
GITHUB_OAUTH_REDIRECT_URIS = env.list("GITHUB_OAUTH_REDIRECT_URIS", default=[f"{FRONTEND_URL}/auth/github/callback"])
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend", "users.github.GitHubOAuth2"]
# python-social-auth runs the protocol (code exchange, /user, /user/emails) and stores the links
# (social_django.UserSocialAuth); users.github holds our state handling and linking pipeline.
SOCIAL_AUTH_GITHUB_SCOPE = ["read:user", "user:email"]
SOCIAL_AUTH_PIPELINE = [
    "social_core.pipeline.social_auth.social_details",
    "social_core.pipeline.social_auth.social_uid",
    "social_core.pipeline.social_auth.auth_allowed",
    "users.github.reauthenticate_only",
    "social_core.pipeline.social_auth.social_user",
    "users.github.associate_by_verified_email",
    "users.github.create_user",
    "social_core.pipeline.social_auth.associate_user",
    "social_core.pipeline.social_auth.load_extra_data",
    "users.github.fill_profile",
]
SOCIAL_AUTH_RAISE_EXCEPTIONS = True

# --- GitHub ----------------------------------------------------------------------------------
GITHUB_API_URL = env("GITHUB_API_URL", default="https://api.github.com")
GITHUB_SYNC_COMMITS = env.int("GITHUB_SYNC_COMMITS", default=100)
# Fernet key for per-project GitHub tokens at rest; derived from SECRET_KEY when unset.
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", default="")

# --- i18n, static ----------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Manifest storage needs collectstatic; without it WhiteNoise still serves app static files
    # through its finders (WHITENOISE_USE_FINDERS), so daphne alone serves a styled admin.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- uploads, object storage, link previews (issue 11) ---------------------------------------
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=25 * 1024 * 1024)
UPLOAD_QUOTA_BYTES = env.int("UPLOAD_QUOTA_BYTES", default=1024 * 1024 * 1024)
AVATAR_MAX_BYTES = env.int("AVATAR_MAX_BYTES", default=5 * 1024 * 1024)
# Largest image (width x height x frames) decoded; bigger ones are refused as decompression bombs.
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=50_000_000)
# Lifetime of the signed file URLs handed to those who may see a file (seconds).
UPLOAD_URL_TTL = env.int("UPLOAD_URL_TTL", default=3600)
# Public base of the URLs in API payloads (files, avatars); SITE_URL unless set.
MEDIA_BASE_URL = env("MEDIA_BASE_URL", default=SITE_URL).rstrip("/")
# Unset: local files under MEDIA_ROOT. s3://bucket?endpoint_url=https://...&region_name=... : any
# S3-compatible store through django-storages (credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).
STORAGE_URL = env("STORAGE_URL", default="")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
if STORAGE_URL:
    _storage = urlsplit(STORAGE_URL)
    if _storage.scheme != "s3" or not _storage.netloc:
        raise ImproperlyConfigured("STORAGE_URL must look like s3://bucket?endpoint_url=...")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _storage.netloc,
            **dict(parse_qsl(_storage.query)),
            "default_acl": None,  # objects stay private; readers get short-lived signed URLs
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
        },
    }
LINK_PREVIEW_TIMEOUT = env.float("LINK_PREVIEW_TIMEOUT", default=5.0)
LINK_PREVIEW_MAX_BYTES = env.int("LINK_PREVIEW_MAX_BYTES", default=1024 * 1024)
# Networks the preview fetcher may reach although they are not public: only ever the local servers
# of tests (a settings fixture, or CODENEST_TEST_PREVIEW_NETWORKS for a test's worker process).
# Production has none: outside tests no variable can set it.
LINK_PREVIEW_ALLOWED_NETWORKS: list[str] = env.list("CODENEST_TEST_PREVIEW_NETWORKS", default=[]) if TESTING else []

# --- production safety -----------------------------------------------------------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not TESTING)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    # /healthz and /readyz are probed over plain HTTP by load balancers.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}
