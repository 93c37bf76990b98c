-- Each user's session generation: the number carried in every session
-- cookie signed in as the user. Logging out, changing the password or
-- signing out everywhere else adds one, and a cookie of an older
-- generation, every copy of it on any instance, is then a visitor's.
-- Rows already there start at 0, as do the cookies of earlier releases,
-- which hold none: no one is signed out by this migration.
ALTER TABLE users ADD COLUMN session_generation BIGINT NOT NULL DEFAULT 0;
