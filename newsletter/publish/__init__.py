"""Publishing: the website of published issues, the directory, the feeds, the target.

May import `core`, `texts`, `store`, `intake`, `check` and `output`.
"""
