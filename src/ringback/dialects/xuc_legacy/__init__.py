"""The deprecated XiVO xuc 1.0 APIs: phone control and call history at `/xuc/api/1.0/...`.

As the xuc document says, they answer only clients whose address is listed (the setting
`deprecated_api_hosts`, xuc's DEPRECATED_API_HOST); anyone else gets a 403 in the document's
error shape. What happens to the phones, and every callback change, is POSTed to xuc's eventUrl
(`xuc_event_url`) in xuc's message shapes. plugin.py wires the wing; bootstrap mounts it at
PREFIX.
"""
