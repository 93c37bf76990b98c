-- The site's users. A name is unique as typed (case counts); the password
-- is kept only as a bcrypt hash. SQLite: INTEGER PRIMARY KEY is the rowid,
-- numbered by the database.
CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	name          TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	created_at    TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
