-- Room search for one or two characters on SQLite (see
-- adapters/sql/search_text.hpp): a contentless FTS5 index of every pair of
-- neighbouring characters, keyed like room_search by room_search_ids.search_id.
-- The triggers of 004 are replaced by ones that keep both indexes in step;
-- tr_search_grams is registered by the server on every connection.

CREATE VIRTUAL TABLE room_search_short USING fts5 (
  grams, content = '', detail = 'none', columnsize = 0, tokenize = 'ascii'
);

INSERT INTO room_search_short (rowid, grams)
  SELECT i.search_id, tr_search_grams(r.title, r.description, r.location)
    FROM rooms r JOIN room_search_ids i ON i.room_id = r.room_id;

DROP TRIGGER rooms_search_insert;
DROP TRIGGER rooms_search_update;
DROP TRIGGER rooms_search_delete;

CREATE TRIGGER rooms_search_insert AFTER INSERT ON rooms BEGIN
  INSERT INTO room_search_ids (room_id) VALUES (new.room_id);
  INSERT INTO room_search (rowid, title, description, location)
    VALUES ((SELECT search_id FROM room_search_ids WHERE room_id = new.room_id),
            new.title, new.description, new.location);
  INSERT INTO room_search_short (rowid, grams)
    VALUES ((SELECT search_id FROM room_search_ids WHERE room_id = new.room_id),
            tr_search_grams(new.title, new.description, new.location));
END;

CREATE TRIGGER rooms_search_update AFTER UPDATE OF title, description, location ON rooms BEGIN
  UPDATE room_search SET title = new.title, description = new.description,
                         location = new.location
    WHERE rowid = (SELECT search_id FROM room_search_ids WHERE room_id = new.room_id);
  -- A contentless index forgets a row by being told its old tokens.
  INSERT INTO room_search_short (room_search_short, rowid, grams)
    VALUES ('delete', (SELECT search_id FROM room_search_ids WHERE room_id = old.room_id),
            tr_search_grams(old.title, old.description, old.location));
  INSERT INTO room_search_short (rowid, grams)
    VALUES ((SELECT search_id FROM room_search_ids WHERE room_id = new.room_id),
            tr_search_grams(new.title, new.description, new.location));
END;

-- BEFORE: room_search_ids loses the room's row to ON DELETE CASCADE before
-- AFTER triggers run.
CREATE TRIGGER rooms_search_delete BEFORE DELETE ON rooms BEGIN
  DELETE FROM room_search
    WHERE rowid = (SELECT search_id FROM room_search_ids WHERE room_id = old.room_id);
  INSERT INTO room_search_short (room_search_short, rowid, grams)
    VALUES ('delete', (SELECT search_id FROM room_search_ids WHERE room_id = old.room_id),
            tr_search_grams(old.title, old.description, old.location));
  DELETE FROM room_search_ids WHERE room_id = old.room_id;
END;
