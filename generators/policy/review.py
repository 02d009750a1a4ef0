"""Derive: what the extraction found that a person should look at (unmatched unit strings, stale
overrides), for `check`, the build's output and build/report.json."""

from __future__ import annotations

from generators.policy.model import PolicyModel


def review_report(model: PolicyModel) -> dict:
    return {
        "unmatched_units": [{"text": m.text, "source": str(m.source)} for m in model.unmatched],
        "explained_units": [
            {"text": m.text, "unit": m.unit, "source": str(m.source)}
            for m in model.mentions
            if m.how == "explained"
        ],
        "warnings": list(model.warnings),
    }
