"""Fine-tuning script of the sample (never run by sovaudit)."""
