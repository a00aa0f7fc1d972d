-- Message search on PostgreSQL: a pg_trgm GIN index serves
-- `content ILIKE '%q%'`, Chinese included.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX messages_content_trgm ON messages USING gin (content gin_trgm_ops);
