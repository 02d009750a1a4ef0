"""Print: HTML of the PDFs (render), cut fonts and the WeasyPrint writer (publish)."""
