"""Cleanup: the article's body and metadata out of a pasted page, every removal explained."""

from workers.cleanup.core import clean

__all__ = ["clean"]
