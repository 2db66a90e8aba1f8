"""Command-line tools: python -m fastact {check,bench,demo,accuracy}."""
