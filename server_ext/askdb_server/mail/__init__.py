"""Email: a durable outbox in the store, delivered over SMTP with retries."""
