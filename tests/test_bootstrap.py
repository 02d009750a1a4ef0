"""The README's first command: its checks for Debian packages hold wherever CI starts it."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.conftest import ROOT

BOOTSTRAP = ROOT / "bootstrap.sh"


def _checks() -> list[tuple[str, str]]:
    """(package, check) of every `need_deb` call, continued lines joined."""
    text = BOOTSTRAP.read_text(encoding="utf-8").replace("\\\n", " ")
    calls = re.findall(r"^\s*need_deb (\S+) (\"(?:[^\"\\]|\\.)*\"|'[^']*')", text, flags=re.M)
    assert len(calls) >= 5, calls
    return calls


def test_no_package_check_is_a_pipeline():
    # Under `set -o pipefail` a check like `ldconfig -p | grep -q x` fails at random: grep stops at the
    # first match and the writer dies of SIGPIPE.
    assert [(pkg, check) for pkg, check in _checks() if "|" in check] == []


def test_the_checks_pass_on_a_path_without_the_sbin_folders():
    # CI once started the script with PATH=/usr/local/bin:/usr/bin:/bin: `ldconfig` was not found, so
    # HarfBuzz's subset library, installed all along, was reported "installed but not usable".
    env = {
        "HOME": os.environ.get("HOME", "/root"),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "PYTHON": sys.executable,
    }
    done = subprocess.run(
        ["bash", str(BOOTSTRAP), "--help"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "[bootstrap]" not in done.stderr, done.stderr
