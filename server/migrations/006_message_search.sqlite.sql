-- Message search on SQLite: FTS5 with the trigram tokenizer over message
-- text (Chinese included), keyed through message_search_ids like room search.
-- Queries shorter than three characters fall back to LIKE.

CREATE TABLE message_search_ids (
  search_id INTEGER PRIMARY KEY,
  message_id TEXT NOT NULL UNIQUE REFERENCES messages (message_id) ON DELETE CASCADE
);

CREATE VIRTUAL TABLE message_search USING fts5 (content, tokenize = 'trigram');

CREATE TRIGGER messages_search_insert AFTER INSERT ON messages WHEN new.type <> 'system' BEGIN
  INSERT INTO message_search_ids (message_id) VALUES (new.message_id);
  INSERT INTO message_search (rowid, content)
    VALUES (last_insert_rowid(), new.content);
END;

CREATE TRIGGER messages_search_update AFTER UPDATE OF content ON messages BEGIN
  UPDATE message_search SET content = new.content
    WHERE rowid = (SELECT search_id FROM message_search_ids WHERE message_id = new.message_id);
END;
