-- Audit trail: one row per ticket event. Never a secret value, never a full ticket.
CREATE TABLE audit_events (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  at            TEXT    NOT NULL,             -- ISO-8601 UTC
  event         TEXT    NOT NULL CHECK (event IN ('mint','redeem','replay','expire','deny','revoke','upstream_error')),
  outcome       TEXT    NOT NULL,             -- stable code: ok, unknown, expired, used, in_flight, forbidden, ...
  subject       TEXT,                         -- user (OIDC sub) or CI token sub
  email         TEXT,
  client_id     TEXT,                         -- OAuth client id, or the CI issuer
  session       TEXT,                         -- ticket session (hash, not a token)
  secret_id     INTEGER,
  secret_path   TEXT,
  field         TEXT,
  ticket_id     TEXT,                         -- first 12 hex chars of SHA-256(ticket): proves use, reveals nothing
  client_ip     TEXT,
  user_agent    TEXT,
  detail        TEXT                          -- non-secret JSON (e.g. CI repository, ref, run id)
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_ticket ON audit_events (ticket_id);
CREATE INDEX audit_events_subject ON audit_events (subject, at);
