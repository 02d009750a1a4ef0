"""Registries (台账): schema → readers → validation (load) → monthly figures and briefing sheets (derive)."""
