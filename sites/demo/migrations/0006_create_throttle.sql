-- The counts of login and sign-up attempts (framework/throttle), one row
-- per key: a client address, an account, or the pair of both. They are in
-- the database, not in a process, so that every instance of the site
-- behind a balancer sees the same counts. Times are Unix milliseconds; a
-- row is forgotten after expires_ms, and deleted by an instance at most
-- once every ten minutes. The same SQL for SQLite and PostgreSQL.
CREATE TABLE throttle (
	subject    TEXT PRIMARY KEY,
	attempts   BIGINT NOT NULL,
	delay_ms   BIGINT NOT NULL,
	next_ms    BIGINT NOT NULL,
	expires_ms BIGINT NOT NULL
);

-- For the cleanup's DELETE of forgotten rows.
CREATE INDEX throttle_expires ON throttle (expires_ms);
