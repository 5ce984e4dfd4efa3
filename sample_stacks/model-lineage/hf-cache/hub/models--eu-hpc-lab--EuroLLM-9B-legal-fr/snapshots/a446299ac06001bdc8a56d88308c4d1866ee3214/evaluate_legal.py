"""Evaluation script of the sample (never run by sovaudit)."""
