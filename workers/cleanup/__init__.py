"""Cleanup: the article's body and metadata out of a pasted page, every removal explained."""

from workers.cleanup.core import clean, clean_page

__all__ = ["clean", "clean_page"]
