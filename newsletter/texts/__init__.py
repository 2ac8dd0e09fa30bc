"""Texts: message codes with their severity and words, gettext catalogues, parser complaints.

May import `core` (where the catalogues lie: core.resources); see core's docstring.
"""
