"""The wire format of the sync service, written once for the client, the service and the cache.

- :mod:`.text`: the bounds and strict forms of values on the wire (ids, free text, ISO dates,
  decimal amounts, int4 tokens).
- :mod:`.budgets`: a budget, its lines and its versions as JSON, both ways.
- :mod:`.reader`: a budget's JSON read into a draft, a finding per bad field.
- :mod:`.findings`: a finding as JSON, both ways, with the item it belongs to.
- :mod:`.sync`: a JSON sync page (actual lines, purchase orders, tombstones), both ways.
- :mod:`.master`: objects, activities, settings and profiles as JSON, both ways.

Nothing here imports the service (``pixie_server``) or Flask.
"""
