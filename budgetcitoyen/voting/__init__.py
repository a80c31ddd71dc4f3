"""The September vote: eligibility, ballots, receipts, paper ballots and participation."""
