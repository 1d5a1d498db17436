"""One package per vendor API; each translates its wire format to the services and back."""

from __future__ import annotations
