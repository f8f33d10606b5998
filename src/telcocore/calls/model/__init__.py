"""The calls model: call records, their dispositions and directions, classification, channels.

Pure values and rules: nothing here reads files or touches storage.
"""
