"""The accounts pages: API tokens and the second factor."""
