"""API keys: per-project keys that programs send as ``Authorization: Bearer askdb_...``."""
