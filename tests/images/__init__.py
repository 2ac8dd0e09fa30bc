"""Tests of `newsletter.images`."""
