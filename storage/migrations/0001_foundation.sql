-- Users the bot has seen, with their language choice. Roles come from configuration;
-- `role` records the role last seen, for /logs and audit readability.
CREATE TABLE users (
    user_id        INTEGER PRIMARY KEY,
    username       TEXT,
    first_name     TEXT,
    language_code  TEXT,
    language       TEXT,
    role           TEXT NOT NULL DEFAULT 'stranger',
    first_seen_at  TEXT NOT NULL,
    last_seen_at   TEXT NOT NULL
);

-- Every state-changing action and every refused attempt.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    actor_id  INTEGER,
    role      TEXT NOT NULL,
    action    TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);

-- Settings changed at run time (/set, pause state ...), JSON values.
CREATE TABLE runtime_settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  INTEGER
);

-- Outgoing Telegram messages not yet delivered: written before sending, deleted once sent,
-- so a flood wait, an outage or a restart never loses a notification.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id          INTEGER NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('text', 'photo', 'document')),
    text             TEXT NOT NULL DEFAULT '',
    reply_markup     TEXT,
    file_name        TEXT,
    file_content     BLOB,
    created_at       TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'failed'))
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at, id);
