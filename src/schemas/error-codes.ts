// The `code` values a problem body can carry: one per rule (the OpenAPI document states the list as an enum).
export const ERROR_CODES = [
  "validation_failed",
  "invalid_cursor",
  "unauthorized",
  "forbidden",
  "not_found",
  "method_not_allowed",
  "conflict",
  "quota_exceeded",
  "idempotency_conflict",
  "payload_too_large",
  "unsupported_media_type",
  "rate_limited",
  "upstream_unavailable",
  "internal_error",
] as const;
