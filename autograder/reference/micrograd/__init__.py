"""The reference modules that graded parts run on."""
