"""nova-ext's tempest plugin: ``plugin`` (the entry point), ``config`` (its
options), ``services`` (API clients) and ``tests`` (api and scenario)."""
