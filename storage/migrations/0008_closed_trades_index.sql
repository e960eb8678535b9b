-- Closed trades by the time they closed: /pnl, /daily, reports, the daily loss limit and
-- /metrics read the trades of a period, and a history of 100,000 trades made that a scan.
-- The index also holds what period sums, the win count and the statistics cache's mark
-- read (PnL, fees, whether it was filled, when it was written), so they never visit the
-- table.
CREATE INDEX positions_closed_at ON positions (status, closed_at, realized_pnl, fees,
                                               filled_amount, updated_at);
-- The mark the statistics caches compare (how many closed, when one was last written).
CREATE INDEX positions_written ON positions (status, updated_at);
