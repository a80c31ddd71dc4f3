"""The yearly campaign: envelope, budget line, settings, categories and phase calendar."""
