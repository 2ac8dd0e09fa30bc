"""Tests of `newsletter.core`."""
