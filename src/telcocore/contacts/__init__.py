"""Contacts: the people of an account, their logins, passwords and verified addresses."""
