"""Tests of `newsletter.network`."""
