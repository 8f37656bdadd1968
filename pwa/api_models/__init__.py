"""The JSON API's request and response shapes, each declared once as a pydantic model.

A model is both the check of what a caller sends (strict: a number sent as a string,
a boolean sent as a number, an object where text is expected, NUL bytes or lone
surrogates are refused with 422 and the field named, never coerced) and the schema
of the OpenAPI document (`/api/v1/openapi.json`), so the two cannot drift.

The models check types and shape and carry the limits a caller can know in advance
(lengths, patterns, ranges, enums, required fields); the rules of each area
(a real phone number, a bookable day, a known dossier) stay in its use cases, which
still receive plain JSON values and answer with their own translated messages.

- `base`: the base classes (`Body`, `Query`, `Headers`, `Answer`) and the shared field types;
- `errors`: the translated message of each refusal, per field;
- one module per area (`pickups`, `dossiers`, `push`, `offices`, `keys`).

routes/api.py says how an operation uses them.
"""
