"""Cleanup: the article's body and metadata out of a pasted page, every removal explained."""

from workers.cleanup.core import MAX_LINES, clean, clean_page, cut_lines

__all__ = ["MAX_LINES", "clean", "clean_page", "cut_lines"]
