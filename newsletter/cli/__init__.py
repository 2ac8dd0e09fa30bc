"""The `newsletter` command: one module per command, the only place that prints errors.

May import every package.
"""
