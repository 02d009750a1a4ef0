"""The handbook site: pages rendered from templates (render), built by mkdocs and swapped in whole
(publish)."""
