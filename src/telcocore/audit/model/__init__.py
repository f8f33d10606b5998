"""The audit log's model: entries, their chain, and the JSON Patch difference."""
