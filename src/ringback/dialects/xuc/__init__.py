"""The XiVO xuc REST dialect, 2.0 APIs: authentication, personal contacts, qualifications, mobile.

Mounted at `/xuc/api/2.0`, and at `/xuc/api/api/2.0` for the qualification CSV export, whose
path the document writes with a double `api` (plugin.py). The deprecated `/xuc/api/1.0` APIs
are another wing's (`dialects/xuc_legacy`).
"""

from __future__ import annotations
