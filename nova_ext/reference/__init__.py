"""Reference third party for the nova-ext gate.

``nova_ext.reference.server`` holds the HTTP service (and the
``nova-ext-gate-reference`` console script); ``nova_ext.reference.events``
posts verdict events to Nova through keystoneauth1. See their docstrings.
"""
