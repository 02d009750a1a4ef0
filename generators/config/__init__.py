"""Validated settings: where inputs and outputs live, and the report month, read once from the
command line."""
