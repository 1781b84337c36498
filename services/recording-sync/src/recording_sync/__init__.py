"""Classbridge recording-sync: copies recordings into object storage and guards who opens them."""
