"""Display-name templating: names that never repeat (see ``hook``).

``template`` parses and reverses templates, ``names`` fits names and
hostnames into Nova's limits, ``counter`` reserves counts and issues names in
the API database, ``cells`` finds names existing servers carry, and ``hook``
is the entry point that puts them together.
"""
