"""Invoices: what an account is billed for a period, numbered, issued, paid or voided.

An invoice (:class:`~telcocore.billing.invoices.model.invoice.Invoice`) is made from the
account's daily usage rows (calls by day, destination prefix and classification) and from
the ledger's other charges of its period (purchases, recurring charges, adjustments), taxed
at the account's tax rate. Its number is sequential without gaps per issuer. A usage row
belongs to at most one invoice that is not void. The service is ``core.invoices``.
"""
