"""The ledger: double-entry transactions and the customer balances they move."""
