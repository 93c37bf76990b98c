-- The site's users. A name is unique as typed (case counts); the password
-- is kept only as a bcrypt hash. PostgreSQL: an identity column numbers
-- them.
CREATE TABLE users (
	id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name          TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	created_at    TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);
