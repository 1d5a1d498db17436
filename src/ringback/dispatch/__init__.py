"""The dispatcher: claims due callbacks under a lease and hands them to telephony."""
