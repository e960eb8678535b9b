-- What the position tracker (PnL updater) needs: how much of a position is closed, the stop
-- the signal gave (the live stop moves: break-even, trailing, channel updates), when a
-- stuck position was last reported; and the equity curve for risk limits and charts.

ALTER TABLE positions ADD COLUMN closed_amount TEXT NOT NULL DEFAULT '0';
ALTER TABLE positions ADD COLUMN initial_stop_loss TEXT;
ALTER TABLE positions ADD COLUMN stuck_alerted_at TEXT;
UPDATE positions SET initial_stop_loss = stop_loss;

-- One row per snapshot (taken by the tracker every few minutes). Money as decimal text.
CREATE TABLE equity_snapshots (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    at              TEXT NOT NULL,          -- ISO-8601 UTC
    equity          TEXT NOT NULL,          -- wallet + unrealised PnL, in the quote currency
    unrealized_pnl  TEXT NOT NULL,
    open_positions  INTEGER NOT NULL
);
CREATE INDEX equity_snapshots_at ON equity_snapshots (at);

-- The live order feed asks for our open orders every tick.
CREATE INDEX position_orders_open ON position_orders (state) WHERE state = 'open';
