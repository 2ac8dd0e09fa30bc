"""The test suite: one folder per package of `newsletter`, `project` for the whole."""
