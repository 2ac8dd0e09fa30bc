"""The service that faces the internet: sign-up with double opt-in, unsubscribe, the upload page's
routes, on waitress.

May import `core`, `texts`, `store`, `send` and `upload`.
"""
