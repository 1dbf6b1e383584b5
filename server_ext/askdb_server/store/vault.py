"""Secrets at rest: database connection URLs are encrypted with Fernet (MultiFernet).

The first key encrypts; every key decrypts, so keys can be rotated by putting a new key first
and re-encrypting (``SecretVault.rotate``). In local mode the key is generated once into a file
readable only by its owner in the Jupyter data directory.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretVault:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("SecretVault needs at least one key")
        self._fernet = MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])

    @classmethod
    def from_key_file(cls, path: Path) -> SecretVault:
        """Load the key in ``path``, creating it (mode 0600) on first use."""
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(Fernet.generate_key().decode())
        return cls([path.read_text().strip()])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as e:
            raise ValueError("stored secret cannot be decrypted with the configured keys") from e

    def rotate(self, token: str) -> str:
        """Re-encrypt ``token`` with the first (newest) key."""
        return self._fernet.rotate(token.encode()).decode()
