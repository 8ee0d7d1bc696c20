"""Parity: explains why Adobe Journey Optimizer and Customer Journey Analytics numbers differ."""
