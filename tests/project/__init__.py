"""Tests of the whole project: docs, architecture, a month of real use."""
