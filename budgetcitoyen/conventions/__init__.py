"""Conventions with the winners: signature, payment, final report, closing or termination, reminders."""
