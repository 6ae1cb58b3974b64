"""Per-project GitHub tokens are stored encrypted at rest with Fernet (AES-128-CBC + HMAC).

The key is settings.FIELD_ENCRYPTION_KEY (a urlsafe base64 Fernet key) when set, else one derived
from SECRET_KEY, so a fresh clone works and a database dump alone does not reveal the tokens.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    key = settings.FIELD_ENCRYPTION_KEY
    if not key:
        digest = hashlib.sha256(f"codenest-field-encryption:{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest)
    return Fernet(key)


def encrypt_secret(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def decrypt_secret(cipher: str) -> str:
    """The plain text, or "" when empty or encrypted under another key (a rotated key reads as no token)."""
    if not cipher:
        return ""
    try:
        return _fernet().decrypt(cipher.encode()).decode()
    except InvalidToken:
        return ""
