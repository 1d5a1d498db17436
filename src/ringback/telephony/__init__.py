"""Telephony adapters: the ways ringback hands due callbacks to an ACD or dialer."""

from __future__ import annotations
