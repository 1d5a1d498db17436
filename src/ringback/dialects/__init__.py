"""One wing per vendor API, the same files in each (docs/architecture.md, "A wing").

A wing parses its vendor's wire format, calls the engine through the Core it is given, renders
the answer, and keeps what only its vendor has. Wings never import one another; the two modules
here that are no wing, `credentials` and `bodies`, hold what several wings read the same way.
"""

from __future__ import annotations
