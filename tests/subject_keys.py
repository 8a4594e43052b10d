"""The tests' per-subject key stores: in the run's key database, under a synthetic master key."""

from __future__ import annotations

from pga.settings import Settings
from pga.store.keys import MasterKey
from pga.store.subject_keys import SubjectKeyStore, keys_database_url

#: The master key of every test key store (synthetic).
TEST_MASTER_KEY = bytes(range(32))


def key_store(database_url: str, schema: str) -> SubjectKeyStore:
    """Return the key store beside the event store at ``database_url`` in ``schema``.

    Its database is the run's ``<database>_keys`` (created when missing, dropped with the
    run's database), as ``open_application`` finds it in production.
    """
    url = keys_database_url(Settings(database_url=database_url), database_url)
    return SubjectKeyStore(url, schema, MasterKey(TEST_MASTER_KEY))
