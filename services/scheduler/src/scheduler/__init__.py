"""Classbridge scheduler: courses, batches, sessions and their Zoom meetings, and their life."""
