"""Preview: the editor's page on 127.0.0.1 with live reload.

May import `core`, `texts`, `store`, `intake`, `check`, `images`, `output`, `send` (a message's
weight), `publish` and `network` (the status panel): every package below `cli` except `web`,
`upload` and `mailbox`.
"""
