-- Channels the owner follows, with their per-channel defaults.
CREATE TABLE channels (
    channel_id    INTEGER PRIMARY KEY,              -- marked form, -100…
    title         TEXT,
    username      TEXT,
    enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    mode          TEXT NOT NULL DEFAULT 'manual' CHECK (mode IN ('manual', 'auto')),
    max_leverage  INTEGER CHECK (max_leverage IS NULL OR max_leverage > 0),
    size_mode     TEXT CHECK (size_mode IS NULL OR size_mode IN ('quote', 'equity_pct', 'risk_pct')),
    size_value    TEXT,                             -- Decimal as text
    added_at      TEXT NOT NULL,
    added_by      INTEGER,
    updated_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX channels_username ON channels (username COLLATE NOCASE)
    WHERE username IS NOT NULL;

-- Every raw post, stored before anything else happens; a post seen twice is one row.
CREATE TABLE posts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id   INTEGER NOT NULL,
    message_id   INTEGER NOT NULL,
    posted_at    TEXT NOT NULL,
    text         TEXT NOT NULL,                     -- the latest revision
    reply_to_id  INTEGER,
    source       TEXT NOT NULL,
    channel_title     TEXT,                        -- the channel's names when posted
    channel_username  TEXT,
    received_at  TEXT NOT NULL,
    revision     INTEGER NOT NULL DEFAULT 0,        -- 0 = as first seen, +1 per edit
    UNIQUE (channel_id, message_id)
);
CREATE INDEX posts_channel_time ON posts (channel_id, posted_at);

-- The text of every revision (0 is the original), for edit diffs and audits.
CREATE TABLE post_revisions (
    post_id      INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    revision     INTEGER NOT NULL,
    text         TEXT NOT NULL,
    edited_at    TEXT,
    received_at  TEXT NOT NULL,
    PRIMARY KEY (post_id, revision)
);

-- What each post revision was understood as.
CREATE TABLE signals (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id           INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    revision          INTEGER NOT NULL,
    channel_id        INTEGER NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('open', 'update', 'close', 'noise')),
    status            TEXT NOT NULL CHECK (status IN
                        ('accepted', 'not_understood', 'noise', 'linked', 'unlinked', 'ignored')),
    symbol            TEXT,
    reason            TEXT,
    parsed            TEXT NOT NULL,                -- the parse as JSON
    linked_signal_id  INTEGER REFERENCES signals (id),
    created_at        TEXT NOT NULL,
    UNIQUE (post_id, revision)
);
CREATE INDEX signals_channel_symbol ON signals (channel_id, symbol, kind, id);
