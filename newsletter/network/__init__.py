"""The network's side: who has sent what (status), reminders and feedback to organisations.

May import `core`, `texts`, `store`, `intake`, `check`, `output` and `send`.
"""
