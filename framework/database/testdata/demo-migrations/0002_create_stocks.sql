-- The market: one row per stock. price is in yuan, change_pct the day's
-- change in percent.
CREATE TABLE stocks (
	code       TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	industry   TEXT NOT NULL,
	price      NUMERIC(12, 2) NOT NULL,
	change_pct NUMERIC(6, 2) NOT NULL,
	about      TEXT NOT NULL DEFAULT ''
);
