"""Instructor tooling: turns the reference solution in `solutions/` into what students get."""
