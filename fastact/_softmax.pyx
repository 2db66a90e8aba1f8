# cython: language_level=3
"""Softmax family kernels (placeholder until the softmax issue lands)."""
