"""Send: compose personalised messages, the journal, delivery over SMTP relays.

May import `core`, `texts`, `store`, `intake`, `check`, `output` and `publish` (whether publish
has put this build's images online, for `[sender] images = "auto"`).
"""
