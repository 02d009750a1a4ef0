"""Keyed pseudonyms (HMAC-SHA256) that stay the same for a case across months under the same key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from generators.core.errors import InputError, Problem, display_path

KEY_ENV = "HANDBOOK_PSEUDONYM_KEY"
MIN_KEY_BYTES = 32  # HMAC-SHA256 keys shorter than its output make pseudonyms easier to guess


def _checked(key: bytes, where: str) -> bytes:
    if len(key) < MIN_KEY_BYTES:
        raise InputError(
            Problem(
                where,
                f"化名密钥只有 {len(key)} 字节，至少需要 {MIN_KEY_BYTES} 字节；"
                "请换一个更长的随机密钥（例如 `python -c 'import secrets; print(secrets.token_hex(32))'` 的输出）",
            )
        )
    return key


def _create_key_file(key_file: Path) -> None:
    """A new random key, written in one step with mode 0600 inside a folder only its owner can open: the
    file appears complete or not at all, and never readable by others, even for a moment."""
    folder = key_file.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    temp = folder / f".{key_file.name}.{os.getpid()}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32) + "\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temp, key_file)  # fails if another build made the key meanwhile: keep theirs
        except FileExistsError:
            pass
    finally:
        temp.unlink(missing_ok=True)


def load_key(key_file: Path) -> bytes:
    """The pseudonym key: from the environment, else a local file that git ignores (made on first use).
    The same key gives the same pseudonyms every month. A key under 32 bytes is refused."""
    if os.environ.get(KEY_ENV):
        return _checked(os.environ[KEY_ENV].encode("utf-8"), f"环境变量 {KEY_ENV}")
    if not key_file.exists():
        _create_key_file(key_file)
    for path, mode in ((key_file.parent, 0o700), (key_file, 0o600)):
        if path.stat().st_mode & 0o077:  # a key restored from a backup may come readable by others
            try:
                os.chmod(path, mode)
            except OSError as exc:
                raise InputError(
                    Problem(display_path(path), f"化名密钥可被他人读取，且无法改为仅本人可读：{exc.strerror}")
                ) from None
    return _checked(key_file.read_bytes().strip(), display_path(key_file))


@dataclass(frozen=True)
class Pseudonymizer:
    key: bytes

    def __call__(self, case_id: str) -> str:
        digest = hmac.new(self.key, case_id.encode("utf-8"), hashlib.sha256).digest()
        return "P-" + base64.b32encode(digest).decode("ascii")[:8]
