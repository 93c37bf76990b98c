-- The throttle package's table, as a site's migration creates it (see the
-- package doc).
CREATE TABLE throttle (
	subject    TEXT PRIMARY KEY,
	attempts   BIGINT NOT NULL,
	delay_ms   BIGINT NOT NULL,
	next_ms    BIGINT NOT NULL,
	expires_ms BIGINT NOT NULL
);

CREATE INDEX throttle_expires ON throttle (expires_ms);
