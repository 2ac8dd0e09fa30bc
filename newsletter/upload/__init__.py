"""The upload page: organisations hand in their submission through a personal link.

May import `core`, `texts`, `store`, `intake`, `check` and `images`.
"""
