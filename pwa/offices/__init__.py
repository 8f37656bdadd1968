"""Places people go (post offices, commune post offices, service centres) and their payment days."""
