"""Tests of `newsletter.store`."""
