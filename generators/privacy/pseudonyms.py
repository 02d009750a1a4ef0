"""Keyed pseudonyms (HMAC-SHA256) that stay the same for a case across months under the same key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

KEY_ENV = "HANDBOOK_PSEUDONYM_KEY"


def load_key(key_file: Path) -> bytes:
    """The pseudonym key: from the environment, else a local file that git ignores (made on first use).
    The same key gives the same pseudonyms every month."""
    if os.environ.get(KEY_ENV):
        return os.environ[KEY_ENV].encode("utf-8")
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32) + "\n", encoding="ascii")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="ascii").strip().encode("ascii")


@dataclass(frozen=True)
class Pseudonymizer:
    key: bytes

    def __call__(self, case_id: str) -> str:
        digest = hmac.new(self.key, case_id.encode("utf-8"), hashlib.sha256).digest()
        return "P-" + base64.b32encode(digest).decode("ascii")[:8]
