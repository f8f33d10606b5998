"""Billing: the double-entry ledger and the use cases that move money."""
