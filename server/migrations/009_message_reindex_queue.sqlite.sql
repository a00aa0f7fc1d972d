-- The queue of edited messages for the SQLite search index (008) becomes a
-- log with ever-growing ids. With one row per message, an edit made while
-- the indexer was between reading the queue and clearing it was dropped
-- (INSERT OR IGNORE met the old row, which was then deleted): the index kept
-- the old text. The indexer now remembers the last id it indexed, in the
-- index file and in the same transaction as the index, and clears only ids
-- up to it. AUTOINCREMENT: ids never restart after the queue is emptied.

CREATE TABLE message_reindex_log (
  queue_id INTEGER PRIMARY KEY AUTOINCREMENT,
  message_rowid INTEGER NOT NULL
);
INSERT INTO message_reindex_log (message_rowid)
  SELECT message_rowid FROM message_reindex ORDER BY message_rowid;

DROP TRIGGER messages_reindex;
DROP TABLE message_reindex;

CREATE TRIGGER messages_reindex AFTER UPDATE OF content ON messages BEGIN
  INSERT INTO message_reindex_log (message_rowid) VALUES (new.rowid);
END;
