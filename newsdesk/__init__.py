"""Newsdesk: self-hosted article analysis for newsrooms."""

__version__ = "0.1.0"
