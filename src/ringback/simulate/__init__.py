"""Stand-ins for the platforms ringback talks to, runnable on their own (`ringback simulate ...`).

Unlike `ringback.telephony.simulator` (an ACD inside the dispatcher), these are separate HTTP
servers that speak a vendor's own wire protocol, so that ringback's adapters and dialects can be
exercised end to end over real sockets, by the tests and by anyone evaluating ringback.
"""
