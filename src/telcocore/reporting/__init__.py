"""Reporting: summaries of posted calls, selection aggregation, copy and export.

Summary rows count an account's posted calls per UTC hour (the live view: the last 24
hours), day and month, by destination (the rate's prefix and description) and
classification: attempts, connected calls, talk time, billed seconds, the customer's
charge and, where the provider's cost is known, cost and profit. ASR and ACD are computed
when read, never stored. The rows are kept up to date as calls are posted, in the posting's
own transaction, and can be rebuilt from the stored call records.

:func:`~telcocore.select_cells` gives the count, sum, minimum,
maximum, the plain mean of selected cells (the average of averages) and, for ratio
columns, the weighted value; :mod:`telcocore.reporting.model.export` copies or exports any
rows and columns as TSV or CSV.
"""
