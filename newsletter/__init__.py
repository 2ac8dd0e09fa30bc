"""newsletter: turns member organisations' self-presentations into a newsletter."""

__version__ = "0.1.0"
