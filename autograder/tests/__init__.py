"""Hidden tests."""
