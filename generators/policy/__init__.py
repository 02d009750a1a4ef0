"""Policy texts → model, as a small pipeline of its own:
corpus (load) → outline, units, extract (model) → age rules, matrices, calendar, changelog (derive)."""
