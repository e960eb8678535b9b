-- The paper exchange: a simulated account per market kind that fills against live prices.
-- Money is Decimal text; every change of one fill (order, fill, balances, position) is
-- written in one transaction by services/trading/paper.py.

-- One paper account per market kind, opened once with its starting balance.
CREATE TABLE paper_accounts (
    kind              TEXT PRIMARY KEY CHECK (kind IN ('spot', 'futures')),
    quote             TEXT NOT NULL,
    starting_balance  TEXT NOT NULL,
    started_at        TEXT NOT NULL
);

-- Holdings per currency. Spot: the total of the asset (free = total - locked by open
-- orders, derived from paper_orders). Futures: the wallet balance (equity = wallet +
-- unrealised PnL, derived from paper_positions and prices).
CREATE TABLE paper_balances (
    kind        TEXT NOT NULL REFERENCES paper_accounts (kind),
    currency    TEXT NOT NULL,
    amount      TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (kind, currency)
);

-- Every order ever placed; a client id is never reused within an account.
CREATE TABLE paper_orders (
    id             INTEGER PRIMARY KEY,            -- the exchange order id
    kind           TEXT NOT NULL REFERENCES paper_accounts (kind),
    client_id      TEXT NOT NULL,
    symbol         TEXT NOT NULL,
    side           TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    type           TEXT NOT NULL
                   CHECK (type IN ('market', 'limit', 'stop_market', 'take_profit_market')),
    status         TEXT NOT NULL CHECK (status IN ('open', 'filled', 'partially_filled',
                                                   'canceled', 'rejected', 'expired')),
    amount         TEXT NOT NULL,
    filled         TEXT NOT NULL DEFAULT '0',
    average_price  TEXT,
    price          TEXT,                           -- limit price
    trigger_price  TEXT,                           -- stop / take-profit trigger
    reduce_only    INTEGER NOT NULL DEFAULT 0 CHECK (reduce_only IN (0, 1)),
    fee            TEXT NOT NULL DEFAULT '0',
    fee_currency   TEXT,
    reason         TEXT,                           -- why it expired or was rejected
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (kind, client_id)
);
CREATE INDEX paper_orders_open ON paper_orders (kind, symbol) WHERE status = 'open';

-- Executions of paper orders; realized_pnl is futures PnL closed by this fill (before fees).
CREATE TABLE paper_fills (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id      INTEGER NOT NULL REFERENCES paper_orders (id),
    price         TEXT NOT NULL,
    amount        TEXT NOT NULL,
    fee           TEXT NOT NULL,
    fee_currency  TEXT NOT NULL,
    realized_pnl  TEXT NOT NULL DEFAULT '0',
    at            TEXT NOT NULL
);
CREATE INDEX paper_fills_order ON paper_fills (order_id);

-- Open futures positions, one-way mode: amount is signed (short < 0); a closed one is deleted.
CREATE TABLE paper_positions (
    symbol        TEXT PRIMARY KEY,
    amount        TEXT NOT NULL,
    entry_price   TEXT NOT NULL,
    realized_pnl  TEXT NOT NULL DEFAULT '0',      -- realised so far by partial closes
    opened_at     TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- Futures leverage and margin mode per symbol, as set_leverage / set_margin_mode left them.
CREATE TABLE paper_settings (
    symbol       TEXT PRIMARY KEY,
    leverage     INTEGER NOT NULL DEFAULT 1 CHECK (leverage > 0),
    margin_mode  TEXT NOT NULL DEFAULT 'cross' CHECK (margin_mode IN ('cross', 'isolated')),
    updated_at   TEXT NOT NULL
);
