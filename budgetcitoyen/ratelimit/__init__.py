"""Database-backed rate limits for actions people can repeat (sign-up, mails, ballots)."""
