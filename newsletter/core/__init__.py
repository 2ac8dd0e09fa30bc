"""Core: settings, the immutable models, coded errors, facts about names and addresses.

May import `texts` (settings explain their errors with texts.messages and texts.syntax). Core
and texts are the foundation together: texts imports core only for where its catalogues lie
(core.resources). Every other package may import both.
"""
