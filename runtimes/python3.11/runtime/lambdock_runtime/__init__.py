"""lambdock's Python runtime: the pieces bootstrap.py uses (stdlib only)."""
