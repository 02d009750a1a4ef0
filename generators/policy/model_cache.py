"""Load: the editions' policy models kept from the last build, by everything they are made from, so that a
monthly rebuild (new registry, same texts) does not read and extract every edition's documents again."""

from __future__ import annotations

import hashlib
import sys
from importlib.metadata import version

from generators.core.cache import source_digest
from generators.core.errors import display_path
from generators.policy.editions import Edition, manifest
from generators.policy.vocabulary import DEFAULT_VOCABULARY


def models_key(editions: list[Edition]) -> str:
    """Each edition's snapshot files (the default vocabulary where an edition has none) and where it lies
    (warnings name their files), the policy package's code, the YAML reader and Python (the pickle's own
    format)."""
    parts = [
        source_digest("generators.policy", "generators.core.yamlio", "generators.core.errors"),
        version("PyYAML"),
        sys.version,
    ]
    for e in editions:
        files = manifest(e.data)
        if "vocabulary.yaml" not in files:
            files["(default) vocabulary.yaml"] = hashlib.sha256(DEFAULT_VOCABULARY.read_bytes()).hexdigest()
        parts.append(f"{e.number} {display_path(e.data)}")
        parts += [f"{digest} {path}" for path, digest in sorted(files.items())]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
