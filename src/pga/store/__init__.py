"""Storage: the database URL, the embedded PostgreSQL server and the event store's configuration."""
