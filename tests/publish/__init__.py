"""Tests of `newsletter.publish`."""
