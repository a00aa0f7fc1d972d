-- Incident rooms, their members, templates, and the room timeline
-- (SPEC.md sections 3 and 4). Written once for SQLite and PostgreSQL: times
-- are epoch milliseconds, ids TEXT, booleans INTEGER 0/1, JSON as TEXT.
-- Search indexes differ per database: see 004_room_search.*.sql.

CREATE TABLE rooms (
  room_id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  incident_type TEXT NOT NULL
    CHECK (incident_type IN ('equipment_failure', 'material_shortage', 'quality_issue', 'other')),
  severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  status TEXT NOT NULL CHECK (status IN ('active', 'resolved', 'archived')),
  location TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  resolution_notes TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL REFERENCES users (user_id),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  resolved_at BIGINT,
  archived_at BIGINT,
  last_activity_at BIGINT NOT NULL,
  last_seq BIGINT NOT NULL DEFAULT 0,     -- seq of the newest room_events row
  member_count INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,     -- +1 on every change of the room's fields
  template_id TEXT                        -- the template it came from (informational)
);
CREATE INDEX rooms_last_activity ON rooms (last_activity_at, room_id);
CREATE INDEX rooms_created ON rooms (created_at, room_id);

CREATE TABLE room_members (
  room_id TEXT NOT NULL REFERENCES rooms (room_id),
  user_id TEXT NOT NULL REFERENCES users (user_id),
  role TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
  added_at BIGINT NOT NULL,
  added_by TEXT NOT NULL,
  PRIMARY KEY (room_id, user_id)
);
-- "My rooms": the list starts from the viewer's memberships.
CREATE INDEX room_members_user ON room_members (user_id, room_id, role);

CREATE TABLE room_templates (
  template_id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  incident_type TEXT NOT NULL
    CHECK (incident_type IN ('equipment_failure', 'material_shortage', 'quality_issue', 'other')),
  severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  description TEXT NOT NULL DEFAULT '',
  default_members TEXT NOT NULL DEFAULT '[]',  -- JSON [{"username","role"}]
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

-- The room timeline: one row per event, seq 1, 2, 3, ... per room without
-- gaps (assigned from rooms.last_seq in the transaction that stores the
-- change). `frame` is the JSON sent to clients, serialised once.
CREATE TABLE room_events (
  room_id TEXT NOT NULL REFERENCES rooms (room_id),
  seq BIGINT NOT NULL,
  event_type TEXT NOT NULL,
  frame TEXT NOT NULL,
  actor_id TEXT,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (room_id, seq)
);

-- Messages, including the system messages room changes write. `seq` is the
-- seq of the event that created the message. A repeated client_id from the
-- same sender in the same room is the same message (idempotent sends);
-- NULL client_ids never collide.
CREATE TABLE messages (
  message_id TEXT PRIMARY KEY,
  room_id TEXT NOT NULL REFERENCES rooms (room_id),
  seq BIGINT NOT NULL,
  sender_id TEXT REFERENCES users (user_id),
  type TEXT NOT NULL CHECK (type IN ('text', 'file', 'system')),
  content TEXT NOT NULL DEFAULT '',
  metadata TEXT NOT NULL DEFAULT '{}',    -- JSON object
  reply_to TEXT,
  created_at BIGINT NOT NULL,
  edited_at BIGINT,
  deleted INTEGER NOT NULL DEFAULT 0,
  client_id TEXT,
  UNIQUE (room_id, seq),
  UNIQUE (room_id, sender_id, client_id)
);

-- The three templates that ship with the product (zh-TW names).
INSERT INTO room_templates (template_id, name, incident_type, severity, description,
                            default_members, created_at, updated_at)
VALUES
  ('tpl_equipment_failure', '設備故障', 'equipment_failure', 'high',
   '設備名稱／編號：
故障現象：
發生時間：
影響範圍（停線／降速）：
已採取措施：', '[]', 1767225600000, 1767225600000),
  ('tpl_material_shortage', '缺料', 'material_shortage', 'medium',
   '料號／品名：
缺料數量：
預計斷料時間：
供應商／倉庫：
影響工單：', '[]', 1767225600000, 1767225600000),
  ('tpl_quality_issue', '品質異常', 'quality_issue', 'high',
   '產品／料號／批號：
不良現象：
不良數量：
發現站別：
暫定處置（隔離／全檢）：', '[]', 1767225600000, 1767225600000);
