"""Conventions and follow-up of the winners."""
