"""Load: each registry file's read (its tables, already parsed) kept from the last build, so that a monthly
rebuild reads again only the files that changed.

A read holds personal data, so the cache lives inside the restricted output, private to its owner and
pruned to what the last build used; never in .cache/. An entry is a pickle signed with a key derived from
the pseudonym key (HMAC-SHA256), and is loaded only when its signature holds: unpickling runs whatever a
pickle names, so an entry that someone else wrote or changed is ignored and its file read again. Without
a pseudonym key yet (a first build) there is no cache.
"""

from __future__ import annotations

import hashlib
import hmac
import pickle
import sys
from importlib.metadata import version
from pathlib import Path

from generators.core.cache import KeyedFiles, source_digest
from generators.registry.readers import FileRead

MAC_BYTES = 32


def read_key(name: str, digest: str, code: str) -> str:
    """A file's entry: its bytes' hash, its name within the registry folder (as messages name it) and
    `code`; not where the folder lies, so that the same inputs give the same restricted output."""
    return hashlib.sha256(f"{code}\n{name}\n{digest}".encode()).hexdigest()


def reader_code(schema_file: Path) -> str:
    """What a read depends on besides the file: the registry package's code, the schema, the readers'
    libraries and Python (a pickle's own format)."""
    parts = [
        source_digest("generators.registry", "generators.core.errors"),
        hashlib.sha256(schema_file.read_bytes()).hexdigest(),
        version("python-calamine"),
        version("openpyxl"),
        sys.version,
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class ReadCache(KeyedFiles):
    """Signed pickles of `FileRead`s, by `read_key`."""

    suffix = ".read"

    def __init__(self, folder: Path, secret: bytes, code: str):
        super().__init__(folder, private=True)
        self.secret = hmac.new(secret, b"registry read cache", hashlib.sha256).digest()
        self.code = code

    def key(self, name: str, digest: str) -> str:
        return read_key(name, digest, self.code)

    def _mac(self, key: str, blob: bytes) -> bytes:
        # The key is signed with the blob: an entry of ours moved to another file's key is not that file's.
        return hmac.new(self.secret, key.encode() + b"\n" + blob, hashlib.sha256).digest()

    def load(self, key: str) -> FileRead | None:
        data = self.get(key)
        if data is None:
            return None
        mac, blob = data[:MAC_BYTES], data[MAC_BYTES:]
        if not hmac.compare_digest(mac, self._mac(key, blob)):
            self.hits -= 1
            return None  # not ours, or not this file's: read the file again (the entry is replaced)
        read = pickle.loads(blob)
        return read if isinstance(read, FileRead) else None

    def store(self, key: str, blob: bytes) -> None:
        """`blob`: the read as `pickle.dumps` gave it (in the worker that read the file)."""
        self.put(key, self._mac(key, blob) + blob)
