"""Operations: what the app tells its operator (request log, metrics, readiness); docs/operations.md."""
