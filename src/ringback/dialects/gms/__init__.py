"""The Genesys GMS Callback Services dialect, mounted at `/genesys/1`, answering JSON.

Start, cancel, reschedule and query callbacks of a GMS callback service (a ringback queue, by
name or alias), ask its availability, and list the queued requests (the ADMIN query), as
shared/spec/genesys-gms-callback-api.txt shows; docs/dialects/genesys-gms.md tells what ringback
decided where the document is silent. plugin.py wires it; http.py holds the routes.
"""
