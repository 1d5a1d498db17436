"""The XiVO config-mgt dialect, mounted at `/configmgt/api/1.0`, with CCAgent's workflow.

XiVO's configuration server API (shared/spec/xivo-configmgt-api.txt): user profiles and rights,
callback lists and their requests (one, CSV import, dynamic-filter find), preferred periods, the
agent's take/release/start/close/reschedule with its tickets, agent configuration and queue
dissuasion. Requests are the engine's callbacks; lists, periods, tickets and dissuasions are
the wing's own tables. JSON in the document's shapes; errors `{"error": "<Id>", "message"}`.
plugin.py wires it; docs/dialects/xivo-configmgt.md describes it.
"""
