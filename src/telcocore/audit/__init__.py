"""The audit log: JSON Patch diffs, the hash chain and history replay."""
