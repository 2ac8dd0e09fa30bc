"""The store: one SQLite file (schema and every migration), subscribers, the register, CSV.

May import `core` and `texts`.
"""
