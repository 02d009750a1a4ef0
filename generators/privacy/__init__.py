"""Privacy by construction: masking, keyed pseudonyms, small-count suppression, and the publish guard."""
