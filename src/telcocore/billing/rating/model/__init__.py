"""The rating model: billable and billed seconds, rates, decks, and CSV rate cards.

Pure rules only; :mod:`telcocore.billing.rating.services` stores decks and assigns them.
"""
