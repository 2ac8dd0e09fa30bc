"""Tests of `newsletter.send`."""
