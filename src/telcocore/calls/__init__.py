"""Calls: call records and their import, authorization, channels in use and their holds."""
