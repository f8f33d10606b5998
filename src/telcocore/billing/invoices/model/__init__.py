"""The invoices model: usage rows, invoice lines, totals and tax, numbers and schedules.

Pure rules only; :mod:`telcocore.billing.invoices.services` generates and stores invoices.
"""
