"""The kernel: money, periods, validation, serialization, actors and the base of the error tree.

It imports no other part of telcocore.
"""
