"""Outbound notifications: state changes POSTed to webhook subscriptions."""
