-- `silent`: delivered without a sound (a notification kind set to silent in /settings).
-- Messages edited in place later (an approval card when it expires or the channel revises
-- it): a queued message may carry `ref`, under which the id Telegram gave it is remembered,
-- or `replaces`, the ref of the message it edits (sent as a new message when none is known).
ALTER TABLE outbox ADD COLUMN ref TEXT;
ALTER TABLE outbox ADD COLUMN replaces TEXT;
ALTER TABLE outbox ADD COLUMN silent INTEGER NOT NULL DEFAULT 0;

CREATE TABLE sent_messages (
    ref         TEXT NOT NULL,
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    sent_at     TEXT NOT NULL,
    PRIMARY KEY (ref, chat_id)
);
CREATE INDEX sent_messages_at ON sent_messages (sent_at);
