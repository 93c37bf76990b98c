-- The watch list: the stocks each user follows, one row per user and stock,
-- with the user's note (at most 500 characters; the site checks it first).
-- A user's rows go with the user.
CREATE TABLE watchlist (
	user_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	code     TEXT NOT NULL REFERENCES stocks (code),
	note     TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 500),
	added_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
	PRIMARY KEY (user_id, code)
);

-- For the foreign key's checks when a stock is removed.
CREATE INDEX watchlist_code ON watchlist (code);
