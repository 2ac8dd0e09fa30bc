"""The store: one SQLite file (schema.py: every table and every migration), subscribers, the
register of organisations, upload links, CSV.

May import `core` and `texts`.
"""
