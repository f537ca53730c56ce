-- The list of audit events lives in one place, the code (AUDIT_EVENTS in src/audit/audit-log.ts,
-- validated with zod before any row is written). A CHECK here had to be rebuilt with the whole
-- table for every new event (0002 did); this rebuild is the last. Same rows, same indexes.
CREATE TABLE audit_events_next (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  at            TEXT    NOT NULL,
  event         TEXT    NOT NULL,
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
