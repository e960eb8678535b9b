-- Closed trades by the time they closed: /pnl, /daily, reports, the daily loss limit and
-- /metrics read the trades of a period, and a history of 100,000 trades made that a scan.
CREATE INDEX positions_closed_at ON positions (status, closed_at);
