"""API tests: one feature of nova-ext through the compute API each."""
