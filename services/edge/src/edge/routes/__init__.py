"""HTTP routes, one module per area; each exposes ``routes: list[Route]``."""
