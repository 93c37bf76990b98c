-- The guestbook's entries: who signed, what they wrote, and when. The
-- table's name starts with the site's, as Django's do with the app's:
-- sites share one database (the demo's tables are beside it).
-- created_at is Unix time in nanoseconds, the same on SQLite and
-- PostgreSQL; the newest entry has the largest.
CREATE TABLE guestbook_entries (
	name       TEXT NOT NULL,
	message    TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
