"""Softmax family (placeholder: the softmax issue fills this module)."""
__all__ = []
