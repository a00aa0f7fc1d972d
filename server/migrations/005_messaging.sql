-- Reactions, edit history and read positions (SPEC.md section 4).

-- One reaction per user per emoji per message.
CREATE TABLE message_reactions (
  message_id TEXT NOT NULL REFERENCES messages (message_id),
  emoji TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users (user_id),
  created_at BIGINT NOT NULL,
  PRIMARY KEY (message_id, emoji, user_id)
);

-- The text a message had before each edit.
CREATE TABLE message_edits (
  message_id TEXT NOT NULL REFERENCES messages (message_id),
  edited_at BIGINT NOT NULL,
  editor_id TEXT NOT NULL,
  previous_content TEXT NOT NULL
);
CREATE INDEX message_edits_message ON message_edits (message_id, edited_at);

-- How far each member has read each room (for unread counts).
CREATE TABLE read_positions (
  room_id TEXT NOT NULL REFERENCES rooms (room_id),
  user_id TEXT NOT NULL REFERENCES users (user_id),
  seq BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (room_id, user_id)
);
