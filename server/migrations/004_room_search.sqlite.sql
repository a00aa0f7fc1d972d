-- Room search on SQLite: an FTS5 index with the trigram tokenizer over title,
-- description and location, so any substring of three or more characters is
-- found, Chinese included (「沖壓」... see SqlRoomStore::search_clause for
-- shorter queries). FTS rows are keyed by room_search_ids.search_id, a real
-- INTEGER PRIMARY KEY, because the implicit rowid of `rooms` may change on
-- VACUUM. Triggers keep the index in step with `rooms`.

CREATE TABLE room_search_ids (
  search_id INTEGER PRIMARY KEY,
  room_id TEXT NOT NULL UNIQUE REFERENCES rooms (room_id) ON DELETE CASCADE
);

CREATE VIRTUAL TABLE room_search USING fts5 (title, description, location, tokenize = 'trigram');

CREATE TRIGGER rooms_search_insert AFTER INSERT ON rooms BEGIN
  INSERT INTO room_search_ids (room_id) VALUES (new.room_id);
  INSERT INTO room_search (rowid, title, description, location)
    VALUES ((SELECT search_id FROM room_search_ids WHERE room_id = new.room_id),
            new.title, new.description, new.location);
END;

CREATE TRIGGER rooms_search_update AFTER UPDATE OF title, description, location ON rooms BEGIN
  UPDATE room_search SET title = new.title, description = new.description,
                         location = new.location
    WHERE rowid = (SELECT search_id FROM room_search_ids WHERE room_id = new.room_id);
END;

CREATE TRIGGER rooms_search_delete AFTER DELETE ON rooms BEGIN
  DELETE FROM room_search
    WHERE rowid = (SELECT search_id FROM room_search_ids WHERE room_id = old.room_id);
  DELETE FROM room_search_ids WHERE room_id = old.room_id;
END;
