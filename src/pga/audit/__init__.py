"""Accountability: the access log, the auditor's replay of history, and verification."""
