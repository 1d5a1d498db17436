"""The Cisco UCCX Callback Server dialect: `/callbackmanagement?operation=...`, answering XML.

Twelve operations, as the UCCX document lists them; UCCX's scripts report each callback's
progress with updaterecord, and the UCCX telephony adapter sends due callbacks back to UCCX
through the connection that setsettings stores (docs/dialects/uccx.md).
"""
