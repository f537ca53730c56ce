-- New audit events: late use of a revoked or expired ticket, and the course of an approval.
-- SQLite cannot change a CHECK constraint in place, so the table is rebuilt with the same rows.
CREATE TABLE audit_events_next (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  at            TEXT    NOT NULL,
  event         TEXT    NOT NULL CHECK (event IN ('mint','redeem','replay','expire','deny','revoke','upstream_error',
                                                  'late_use','approval_requested','approved','denied','approval_expired')),
  outcome       TEXT    NOT NULL,
  subject       TEXT,
  email         TEXT,
  client_id     TEXT,
  session       TEXT,
  secret_id     INTEGER,
  secret_path   TEXT,
  field         TEXT,
  ticket_id     TEXT,
  client_ip     TEXT,
  user_agent    TEXT,
  detail        TEXT
);
INSERT INTO audit_events_next SELECT * FROM audit_events;
DROP TABLE audit_events;
ALTER TABLE audit_events_next RENAME TO audit_events;
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_ticket ON audit_events (ticket_id);
CREATE INDEX audit_events_subject ON audit_events (subject, at);
