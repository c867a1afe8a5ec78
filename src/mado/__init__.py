"""Mado (窓): the resident-facing procedures of a Japanese municipality, end to end."""

__version__ = "0.1.0"
