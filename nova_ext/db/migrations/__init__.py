"""Alembic environment of nova-ext's own schema history in the API database.

``env.py`` runs the migrations with nova-ext's version table, apart from
Nova's; ``versions/`` holds one revision per schema change.
"""
