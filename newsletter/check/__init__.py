"""Check: judge an `Issue` against the rules; receipts; the report.

May import `core`, `texts`, `store` and `intake`.
"""
