# cython: language_level=3
"""Loss kernels (placeholder)."""
