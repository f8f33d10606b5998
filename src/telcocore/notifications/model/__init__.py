"""The notifications' model: messages, the outbox's items, and their templates."""
