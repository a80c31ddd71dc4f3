"""Tests of the submission phase: comptoirs, ideas, dossiers, attachments, statuses."""
