-- A channel's run of losses is counted from here: set when an admin switches the channel
-- back on, so the losses that switched it off do not switch it off again at once.
ALTER TABLE channels ADD COLUMN losses_counted_from TEXT;
