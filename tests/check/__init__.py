"""Tests of `newsletter.check`."""
