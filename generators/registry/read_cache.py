"""Load: each registry file's read (its tables, already parsed) and its rows validated on their own, kept
from the last build, so that a monthly rebuild reads and validates again only the files that changed.

A read holds personal data, so the cache lives inside the restricted output, private to its owner and
pruned to what the last build used; never in .cache/. An entry is a pickle signed with a key derived from
the pseudonym key (HMAC-SHA256), and is loaded only when its signature holds: unpickling runs whatever a
pickle names, so an entry that someone else wrote or changed is ignored and its file read again. Without
a pseudonym key yet (a first build) there is no cache.
"""

from __future__ import annotations

import hashlib
import sys
from importlib.metadata import version
from pathlib import Path

from generators.core.cache import SignedPickles, source_digest
from generators.registry.readers import FileRead


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


class ReadCache(SignedPickles):
    """Signed pickles of `FileRead`s, by `read_key`, private to the restricted output's owner."""

    suffix = ".read"

    def __init__(self, folder: Path, secret: bytes, code: str):
        super().__init__(folder, secret, b"registry read cache", private=True)
        self.code = code

    def key(self, name: str, digest: str) -> str:
        return read_key(name, digest, self.code)

    def load(self, key: str) -> FileRead | None:
        read = super().load(key)
        return read if isinstance(read, FileRead) else None

    @staticmethod
    def fragment_key(key: str, context: str) -> str:
        """The entry of a file's rows validated on their own (`validate.FileFragment`): its read's key and
        what the validation depended on besides (the place list, rules, cut-off date)."""
        return hashlib.sha256(f"{key}\nfragment\n{context}".encode()).hexdigest()

    def fragment_blob(self, key: str, context: str) -> bytes | None:
        """The fragment's pickle, signed by us, not yet unpickled."""
        return self.verified(self.fragment_key(key, context))

    def store_fragment(self, key: str, context: str, blob: bytes) -> None:
        self.store(self.fragment_key(key, context), blob)
