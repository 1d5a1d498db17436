"""Adapters of the security ports: password hashing."""

from __future__ import annotations
