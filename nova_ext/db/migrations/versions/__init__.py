"""nova-ext's schema revisions, one module each, applied in order by
``nova-ext-manage db sync``."""
