"""Core: settings, the immutable models, coded errors, facts about names and addresses.

Imports nothing from the rest of the package; everything may import it.
"""
