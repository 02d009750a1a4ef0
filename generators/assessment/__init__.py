"""The 双零 pilot self-assessment, as a small pipeline of its own:
criteria and form layout (model) → ingest of filled forms (load) → scoring (derive) → the forms (publish)."""
