"""Send: compose personalised messages, the journal, delivery over SMTP relays.

May import `core`, `texts`, `store`, `intake`, `check` and `output`.
"""
