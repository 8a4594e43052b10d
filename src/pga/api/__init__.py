"""The HTTP API (Litestar): ``create_app`` builds it, ``asgi`` is what ``pga serve`` runs."""
