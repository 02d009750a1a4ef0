"""Shared types and helpers every stage may use: input errors, months, progress, files, workbooks, charts."""
