"""Tests of `newsletter.upload`."""
