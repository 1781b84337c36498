"""Shared machinery of Classbridge services.

Each concern lives in its own small module (``settings``, ``logging``, ``db``, ``uow``,
``messages``, ``outbox``, ``inbox``, ``bus``, ``testing``, ...); import from those modules
directly so that importing the package stays cheap and free of side effects.
"""
