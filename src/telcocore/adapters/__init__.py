"""Adapters: the ports implemented for real technologies.

Only the composition root (:mod:`telcocore.core`) and tests import these modules.
"""
