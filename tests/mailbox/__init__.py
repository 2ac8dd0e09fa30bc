"""Tests of `newsletter.mailbox`."""
