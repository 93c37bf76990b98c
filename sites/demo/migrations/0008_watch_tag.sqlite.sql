-- Each user's watch-list tag: a random number drawn anew in every
-- transaction that changes the user's watch list (triggers), so that an
-- instance that keeps watch lists in memory tells in one cheap read, in
-- the snapshot of the session's check, whether its copy is current, however
-- many instances share the database (see watchcache.go). Random rather
-- than counted: a database reset or restored from a backup cannot meet a
-- copy of another list under the same tag but by chance (1 in 2^52). 0
-- is a list that never changed: empty; the lists there are now get tags.
ALTER TABLE users ADD COLUMN watch_tag BIGINT NOT NULL DEFAULT 0;
UPDATE users SET watch_tag = 1 + (random() & 4503599627370495)
	WHERE id IN (SELECT user_id FROM watchlist);
CREATE TRIGGER watchlist_inserted AFTER INSERT ON watchlist BEGIN
	UPDATE users SET watch_tag = 1 + (random() & 4503599627370495) WHERE id = NEW.user_id;
END;
CREATE TRIGGER watchlist_updated AFTER UPDATE ON watchlist BEGIN
	UPDATE users SET watch_tag = 1 + (random() & 4503599627370495) WHERE id IN (OLD.user_id, NEW.user_id);
END;
CREATE TRIGGER watchlist_deleted AFTER DELETE ON watchlist BEGIN
	UPDATE users SET watch_tag = 1 + (random() & 4503599627370495) WHERE id = OLD.user_id;
END;
