"""Notifications: messages, the transactional outbox and its delivery."""
