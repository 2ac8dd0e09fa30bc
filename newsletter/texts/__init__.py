"""Texts: message codes with their severity and words, gettext catalogues, parser complaints.

May import `core`.
"""
