"""Numbering: range parameters, internal blocks, extensions, the block list, DIDs, E.164."""
