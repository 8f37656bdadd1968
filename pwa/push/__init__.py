"""Web Push: VAPID keys, subscriptions, the outbox, the sender and the delivery worker."""
