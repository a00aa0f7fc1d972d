-- Room search on PostgreSQL: pg_trgm GIN indexes serve
-- `column ILIKE '%q%'` on title, description and location, Chinese included
-- (see SqlRoomStore::search_clause).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX rooms_title_trgm ON rooms USING gin (title gin_trgm_ops);
CREATE INDEX rooms_description_trgm ON rooms USING gin (description gin_trgm_ops);
CREATE INDEX rooms_location_trgm ON rooms USING gin (location gin_trgm_ops);
