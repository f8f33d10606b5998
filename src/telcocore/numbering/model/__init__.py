"""The numbering model.

E.164 numbers, the number range and its blocks, extensions, block lists and DIDs.
"""
