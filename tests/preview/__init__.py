"""Tests of `newsletter.preview`."""
