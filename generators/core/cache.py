"""Files kept from one build for the next, by a key of everything they were made from."""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import os
import pickle
from collections.abc import Callable
from pathlib import Path

MAC_BYTES = 32


def source_digest(*modules: str) -> str:
    """The hash of the sources of `modules` (a package: all of its modules), for keys of things our own code
    made: what an older version of that code cached is not reused (a cache outlives an upgrade)."""
    digest = hashlib.sha256()
    for name in modules:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, name
        origin = Path(spec.origin)
        files = sorted(origin.parent.glob("*.py")) if origin.name == "__init__.py" else [origin]
        for path in files:
            digest.update(f"{path.name}\n".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


class KeyedFiles:
    """Bytes by key in a folder, one file each. `private`: person-level content, which only the owner may
    list or read (the folder must lie inside the restricted output). Pruned to what the last build used,
    so that nothing is kept longer than the next build needs it."""

    suffix = ".bin"

    def __init__(self, folder: Path, private: bool = False):
        self.folder = folder
        self.private = private
        self.used: set[str] = set()
        self.hits = 0

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}{self.suffix}"

    def get(self, key: str) -> bytes | None:
        self.used.add(key)
        path = self._path(key)
        if path.exists():
            self.hits += 1
            return path.read_bytes()
        return None

    def file(self, key: str) -> Path | None:
        """Where the entry lies, for a caller that links it rather than reading it; None when there is none.
        (Entries are replaced, never written in place: a link to one keeps its content.)"""
        self.used.add(key)
        path = self._path(key)
        if path.is_file():
            self.hits += 1
            return path
        return None

    def put(self, key: str, data: bytes) -> None:
        self.put_file(key, lambda path: path.write_bytes(data))

    def put_file(self, key: str, write: Callable[[Path], object]) -> None:
        """The entry as `write(path)` writes it to a file aside, then put in place."""
        self.used.add(key)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        write(tmp)
        if self.private:
            for folder in (self.folder, path.parent):
                folder.chmod(0o700)
            tmp.chmod(0o600)
        tmp.replace(path)  # atomic: a half-written file never looks cached

    def prune(self) -> None:
        """Remove what this build did not use."""
        if not self.folder.exists():
            return
        for path in self.folder.rglob("*"):
            if path.is_file() and path.name.removesuffix(self.suffix) not in self.used:
                path.unlink()


class _Signed(KeyedFiles):
    """Entries signed with a key derived from `secret` for `purpose`: HMAC-SHA256 over the entry's key and
    content, so that an entry that someone without the secret wrote, changed or moved to another key is
    ignored (and made again)."""

    def __init__(self, folder: Path, secret: bytes, purpose: bytes, private: bool = False):
        super().__init__(folder, private)
        self.secret = hmac.new(secret, purpose, hashlib.sha256).digest()

    def _signer(self, key: str) -> hmac.HMAC:
        """The signature of entry `key`, to be fed its content."""
        return hmac.new(self.secret, key.encode() + b"\n", hashlib.sha256)


class SignedPickles(_Signed):
    """Pickles by key, each signed (`_Signed`), and unpickled only when the signature holds: unpickling
    runs whatever a pickle names."""

    suffix = ".pickle"

    def _mac(self, key: str, blob: bytes) -> bytes:
        mac = self._signer(key)
        mac.update(blob)
        return mac.digest()

    def verified(self, key: str) -> bytes | None:
        """The entry's pickle, when its signature holds (for an unpickler of the caller's own)."""
        data = self.get(key)
        if data is None:
            return None
        mac, blob = data[:MAC_BYTES], data[MAC_BYTES:]
        if not hmac.compare_digest(mac, self._mac(key, blob)):
            self.hits -= 1
            return None  # not ours, or not this key's
        return blob

    def load(self, key: str) -> object | None:
        blob = self.verified(key)
        return None if blob is None else pickle.loads(blob)

    def store(self, key: str, blob: bytes) -> None:
        """`blob`: the object as `pickle.dumps` gave it (perhaps in another process)."""
        self.put(key, self._mac(key, blob) + blob)

    def store_object(self, key: str, value: object) -> None:
        self.store(key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


class SignedFiles(_Signed):
    """Files by key, each signed (`_Signed`), its signature kept in an entry of its own (`<key>-mac`).
    Written and checked in chunks: a file that a library writes and reads by its path (an automaton of a
    county's personal values, tens of megabytes) is never held in memory as one string."""

    def _mac(self, key: str, path: Path) -> bytes:
        mac = self._signer(key)
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                mac.update(chunk)
        return mac.digest()

    def verified_file(self, key: str) -> Path | None:
        """The entry's file, when its signature holds."""
        path, signature = self.file(key), self.get(f"{key}-mac")
        if path is None or signature is None or not hmac.compare_digest(signature, self._mac(key, path)):
            return None
        return path

    def store_file(self, key: str, write: Callable[[Path], object]) -> None:
        """`write(path)` writes the entry's content; it is put in place, then signed (a file without its
        signature is not taken)."""
        self.put_file(key, write)
        self.put(f"{key}-mac", self._mac(key, self._path(key)))
