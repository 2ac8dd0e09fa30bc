"""The mailbox: unsubscribe requests and bounces read from IMAP.

May import `core`, `texts`, `store` and `send`.
"""
