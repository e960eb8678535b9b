-- Positions by their last write: the statistics read only what changed since they last
-- looked (services/closed_trades.py), not every closed trade again.
CREATE INDEX positions_updated_at ON positions (updated_at);
