"""Privacy by construction: the partner-role policy (data), pseudonyms and age bands."""
