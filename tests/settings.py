"""Settings for the test suite: production settings with a test key and a fast password hasher."""

import os

os.environ.setdefault("KITCLINIC_SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("KITCLINIC_SSL_REDIRECT", "0")

from kitclinic.config.settings import *  # noqa: E402,F403

# Argon2 stays first in production (tests/accounts checks kitclinic.config.settings); tests hash fast.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

# WhiteNoise serves from STATIC_ROOT; tests find files through the finders instead, each file when
# it is asked for (autorefresh, as in development). Listing every finder's files up front (the
# served node_modules included) happens in each new request handler, i.e. in every test client,
# and cost more than most of the requests the client then made.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
