"""Output: the view of an issue and everything built from it: email, text, web, PDF, calendars.

May import `core`, `texts`, `store`, `intake`, `check` and `images`.
"""
