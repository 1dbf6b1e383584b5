"""Plans and quotas: what an organization may use, counted atomically in the store."""
