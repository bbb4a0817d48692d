"""The hidden autograder of the micrograd course (`python -m autograder grade ...`)."""
