-- Each user's watch-list tag: a random number drawn anew in every
-- transaction that changes the user's watch list (triggers), so that an
-- instance that keeps watch lists in memory tells in one cheap read, in
-- the snapshot of the session's check, whether its copy is current, however
-- many instances share the database (see watchcache.go). Random rather
-- than counted: a database reset or restored from a backup cannot meet a
-- copy of another list under the same tag but by chance (1 in 2^52). 0
-- is a list that never changed: empty; the lists there are now get tags.
ALTER TABLE users ADD COLUMN watch_tag BIGINT NOT NULL DEFAULT 0;
CREATE FUNCTION watch_tag_draw() RETURNS bigint LANGUAGE sql VOLATILE AS $$
	SELECT 1 + floor(random() * 4503599627370495)::bigint
$$;
UPDATE users SET watch_tag = watch_tag_draw() WHERE id IN (SELECT user_id FROM watchlist);
CREATE FUNCTION watchlist_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'INSERT' THEN
		UPDATE users SET watch_tag = watch_tag_draw() WHERE id = OLD.user_id;
	END IF;
	IF TG_OP <> 'DELETE' THEN
		UPDATE users SET watch_tag = watch_tag_draw() WHERE id = NEW.user_id;
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER watchlist_changed AFTER INSERT OR UPDATE OR DELETE ON watchlist
	FOR EACH ROW EXECUTE FUNCTION watchlist_changed();
CREATE FUNCTION watchlist_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE users SET watch_tag = 0;
	RETURN NULL;
END
$$;
CREATE TRIGGER watchlist_truncated AFTER TRUNCATE ON watchlist
	FOR EACH STATEMENT EXECUTE FUNCTION watchlist_truncated();
