-- Positions the trading engine opens from accepted signals, and every order it places for
-- them. Money and amounts are Decimal text; times are ISO-8601 UTC text (storage/timefmt).

-- One position per accepted signal, through its whole life:
-- pending_approval → waiting_entry → open → partially_closed → closed, or rejected / skipped.
CREATE TABLE positions (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    signal_id            INTEGER UNIQUE REFERENCES signals (id),  -- one position per signal
    channel_id           INTEGER NOT NULL,
    symbol               TEXT NOT NULL,        -- the exchange's symbol (the parsed one if none)
    side                 TEXT NOT NULL CHECK (side IN ('long', 'short')),
    market_kind          TEXT NOT NULL CHECK (market_kind IN ('spot', 'futures')),
    status               TEXT NOT NULL CHECK (status IN ('pending_approval', 'waiting_entry',
                             'open', 'partially_closed', 'closed', 'rejected', 'skipped')),
    reason               TEXT,                 -- why skipped / rejected / closed
    leverage             INTEGER NOT NULL DEFAULT 1 CHECK (leverage > 0),
    margin               TEXT NOT NULL DEFAULT '0',
    planned_amount       TEXT NOT NULL DEFAULT '0',  -- base units, on the lot step
    entry_type           TEXT NOT NULL CHECK (entry_type IN ('market', 'single', 'zone',
                                                             'ladder')),
    entry_prices         TEXT NOT NULL DEFAULT '[]', -- JSON list of decimal strings
    targets              TEXT NOT NULL DEFAULT '[]', -- JSON list of decimal strings
    stop_loss            TEXT,
    filled_amount        TEXT NOT NULL DEFAULT '0',
    average_entry        TEXT,
    realized_pnl         TEXT NOT NULL DEFAULT '0',
    fees                 TEXT NOT NULL DEFAULT '0',  -- in the quote currency
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    opened_at            TEXT,
    closed_at            TEXT,
    approval_expires_at  TEXT,
    decided_by           INTEGER,
    decided_at           TEXT
);
CREATE INDEX positions_status ON positions (status, symbol);
CREATE INDEX positions_channel ON positions (channel_id, status);

-- Every order of a position. The row is written (state 'intent') BEFORE the order is sent,
-- so that after a crash every order in flight is found again by its client id.
CREATE TABLE position_orders (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    position_id    INTEGER NOT NULL REFERENCES positions (id),
    leg            TEXT NOT NULL,              -- entry, sl, sl1, tp1, tp2, close...
    client_id      TEXT NOT NULL UNIQUE,
    symbol         TEXT NOT NULL,
    side           TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    type           TEXT NOT NULL
                   CHECK (type IN ('market', 'limit', 'stop_market', 'take_profit_market')),
    amount         TEXT NOT NULL,
    price          TEXT,
    trigger_price  TEXT,
    reduce_only    INTEGER NOT NULL DEFAULT 0 CHECK (reduce_only IN (0, 1)),
    state          TEXT NOT NULL CHECK (state IN ('intent', 'sent', 'open', 'filled',
                                                  'canceled', 'rejected', 'unknown')),
    exchange_id    TEXT,
    filled         TEXT NOT NULL DEFAULT '0',
    average_price  TEXT,
    fee            TEXT NOT NULL DEFAULT '0',
    fee_currency   TEXT,
    error          TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (position_id, leg)
);
CREATE INDEX position_orders_in_flight ON position_orders (state)
    WHERE state IN ('intent', 'sent', 'unknown');
