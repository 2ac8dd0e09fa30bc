"""Tests of `newsletter.intake`."""
