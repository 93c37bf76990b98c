-- The site's notes. The table's name starts with the site's, as Django's
-- do with the app's: sites share one database. created_at is Unix time in
-- nanoseconds, the same on SQLite and PostgreSQL.
CREATE TABLE guestbook_notes (
	text       TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
