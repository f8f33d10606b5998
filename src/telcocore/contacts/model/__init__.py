"""The contacts' model: contacts, credentials and notes."""
