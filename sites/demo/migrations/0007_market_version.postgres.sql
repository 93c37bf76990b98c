-- The market's version: one more on every change to the stocks, in the
-- transaction that made it (a trigger), so that an instance that keeps the
-- market in memory tells in one cheap read, in the snapshot of the
-- statement that reads the rest of a page, whether its copy is current,
-- however many instances share the database (see market.go).
CREATE TABLE market_version (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	version BIGINT NOT NULL
);
INSERT INTO market_version (id, version) VALUES (1, 0);
CREATE FUNCTION market_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE market_version SET version = version + 1;
	RETURN NULL;
END
$$;
CREATE TRIGGER stocks_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON stocks
	FOR EACH STATEMENT EXECUTE FUNCTION market_version_bump();
