"""nova-ext's console scripts, one module each, as Nova and placement keep
theirs: ``manage`` (``nova-ext-manage``, the API database tables),
``patch`` (``nova-ext-patch``, the hook patches on an installed Nova) and
``gate_reference`` (``nova-ext-gate-reference``, the reference third party).
"""
