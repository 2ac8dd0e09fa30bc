"""The upload page: organisations hand in their submission through a personal link: drafts,
prefill, pages, texts. Its routes are the web's (web/upload_routes.py).

May import `core`, `texts`, `store`, `intake`, `check` and `images`.
"""
