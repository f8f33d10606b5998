"""The reporting model: summary rows, selection aggregation, copy and export.

Pure values and rules: nothing here touches storage.
"""
