"""SQL storage shared by every domain.

The session every statement goes through, the SQLite and PostgreSQL dialects (values and
transactions only), the unit of work and the migration runner. Each domain's queries live in
its own ``sql`` module.
"""
