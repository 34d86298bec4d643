"""Reusable dashboard widgets: each renders one part of a ``Summary`` and posts its own messages."""
