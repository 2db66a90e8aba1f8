"""Losses (placeholder: the losses issue fills this module)."""
__all__ = []
