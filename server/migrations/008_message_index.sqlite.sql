-- Message search on SQLite moves off the commit path (see
-- adapters/sql/message_index.hpp): the FTS5 index of 006 and its triggers go;
-- the index is rebuilt in a file of its own by a thread of its own. Messages
-- whose text changes are queued here for it.

DROP TRIGGER messages_search_insert;
DROP TRIGGER messages_search_update;
DROP TABLE message_search;
DROP TABLE message_search_ids;

CREATE TABLE message_reindex (message_rowid INTEGER PRIMARY KEY);

CREATE TRIGGER messages_reindex AFTER UPDATE OF content ON messages BEGIN
  INSERT OR IGNORE INTO message_reindex (message_rowid) VALUES (new.rowid);
END;
