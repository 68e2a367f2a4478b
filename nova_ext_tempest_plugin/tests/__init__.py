"""nova-ext's tempest tests: ``base`` (shared steps), ``api`` and
``scenario``."""
