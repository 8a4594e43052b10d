"""The data subject's rights: erasure, export, requests."""
