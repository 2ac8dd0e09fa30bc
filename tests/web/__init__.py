"""Tests of `newsletter.web`."""
