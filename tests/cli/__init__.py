"""Tests of `newsletter.cli`."""
