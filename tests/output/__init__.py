"""Tests of `newsletter.output`."""
