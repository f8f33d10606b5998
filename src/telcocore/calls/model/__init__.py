"""The calls model: call records, their dispositions and directions, classification.

Pure values and rules: nothing here reads files or touches storage.
"""
