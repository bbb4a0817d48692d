"""Running student code in a separate, limited process (runner.py), and what runs there (child.py)."""
