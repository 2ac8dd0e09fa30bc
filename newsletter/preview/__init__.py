"""Preview: the editor's page on 127.0.0.1 with live reload.

May import the packages below `cli` except `web`, `upload` and `mailbox`.
"""
