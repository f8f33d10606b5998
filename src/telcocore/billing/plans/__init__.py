"""Service plans: users (seats) and DIDs priced, and the monthly recurring run.

An account on a plan buys users; the recurring run charges each account its plan once per
calendar month.
"""
