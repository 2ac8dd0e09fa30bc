"""Images: renditions of photos and logos (decode, encode, the quality search, the cache).

May import `core`, `texts`, `store`, `intake` and `check`.
"""
