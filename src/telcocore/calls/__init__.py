"""Calls: call records, their classification and importers, and the calls in progress.

A call record (:class:`~telcocore.calls.model.records.CallRecord`) is one call as a switch
reported it: who called whom, when it started, was answered and ended, how many seconds
may be billed, and how it ended. :mod:`telcocore.calls.importers` reads them from
Asterisk's ``Master.csv``, FreeSWITCH's ``mod_cdr_csv`` files and any CSV with a header;
:func:`~telcocore.calls.model.classification.classify` says whether a destination is
domestic, international or non-geographic from the account's home region. The service
(``core.calls``) counts the channels of calls in progress and holds their credit.
"""
