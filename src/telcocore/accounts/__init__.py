"""Customer accounts: the account and its rules, and the use cases that change it."""
