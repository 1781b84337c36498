"""The gateway's repositories: the only code that reads or writes its tables.

Each class works on the session of an open :class:`~zoom_gateway.adapters.uow.GatewayUnitOfWork`
and never commits (the unit of work does, or rolls back when left without a commit). What must
hold under concurrency lives inside the methods: row locks (``FOR UPDATE`` on PostgreSQL),
conditional updates guarded by a version, an owner or a state, and ``INSERT … ON CONFLICT`` for
rows several replicas may create at once. On SQLite every transaction takes the write lock when
it begins (``BEGIN IMMEDIATE``), so the same statements run one transaction at a time there.

Secrets go in and come out as plaintext: a repository seals them with the unit of work's
:class:`~classbridge_common.crypto.SecretBox` before they reach a ``*_enc`` column and opens
them when read, so ciphertext never leaves this package and plaintext never reaches the database.
"""
