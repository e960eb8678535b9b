-- Per channel: whether its management posts (stop moved, close, cancel, partial close)
-- change the linked position ('follow') or are only shown ('ignore'); and why a channel
-- was switched off by the bot itself (a run of losses), so /channels can say so.
ALTER TABLE channels ADD COLUMN updates TEXT NOT NULL DEFAULT 'follow'
    CHECK (updates IN ('follow', 'ignore'));
ALTER TABLE channels ADD COLUMN disabled_reason TEXT;
