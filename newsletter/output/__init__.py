"""Output: the view of an issue and everything built from it: email, text, web, PDF, calendars.

May import every package above it: `core`, `texts`, `store`, `intake`, `check`, `images`.
"""
