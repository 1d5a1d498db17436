"""The Ameyo callback dialect, mounted at /ameyorestapi (the vendor's usual port is 8888).

`POST session/userLogin` opens a session; every other call carries its id in the `sessionId`
header: `voice/customerCallbacks/getFiltered` (GET or POST) lists a campaign's scheduled
callbacks, `voice/customerCallbacks/getTenantUserCallbacks` those of every campaign, and
`DELETE voice/customerCallbacks/{customerCallbackId}` deletes one. docs/dialects/ameyo.md tells
where ringback had to decide what the document leaves open. plugin.py wires the wing.
"""
