"""Tests of `newsletter.texts`."""
