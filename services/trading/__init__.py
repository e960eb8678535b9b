"""Trading: the exchange port (ccxt and paper implementations), orders, positions, risk."""
