-- The take-profit weights a position was opened with (`exits.tp_weights` at its first fill),
-- as a JSON list of decimal strings ([] = equal shares); NULL for positions opened before
-- this column existed (they follow the current setting). A change of the setting applies
-- to positions opened after it, never to the ladder of one already open.
ALTER TABLE positions ADD COLUMN tp_weights TEXT;
