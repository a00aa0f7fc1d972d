#!/usr/bin/env python3
"""Seeds a migrated Task Reporter SQLite database with incident rooms for
bench/rooms.sh. Deterministic: the same arguments give the same rooms.

Usage: rooms_seed.py DB ROOMS OWNER_ID MEMBER_ID MEMBER_ROOMS

Every room is owned by OWNER_ID; MEMBER_ID is an editor of MEMBER_ROOMS of
them, spread evenly. Titles, descriptions and locations mix Chinese and
English the way a factory writes them, so search has realistic text: each of
the 10 machines appears in 10% of the rooms, each equipment number
(EQ-00000 .. EQ-04999) in ROOMS / 5000 rooms. The search index is filled by
the schema's own triggers, which call the server's SQL function
tr_search_grams (server/src/adapters/sql/search_text.cpp); search_grams
below is the same function for this script's connection.
"""
import sqlite3
import sys

MACHINES = ["沖壓機", "焊接機器人", "輸送帶", "CNC 車床", "射出成型機",
            "Conveyor", "Press brake", "Robot arm", "Reflow oven", "Packaging line"]
PROBLEMS = ["異常停機", "卡料", "過熱", "漏油", "尺寸不良",
            "jam", "overheat", "alarm", "misalignment", "vibration"]
BUILDINGS = ["A棟", "B棟", "C棟", "D棟"]
TYPES = ["equipment_failure", "material_shortage", "quality_issue", "other"]
SEVERITIES = ["low", "medium", "high", "critical"]
T0 = 1_767_225_600_000  # 2026-01-01


def search_grams(*columns):
    """tr_search_grams: per column, the hex of each pair of neighbouring
    characters and of the last character alone, ASCII letters lowered."""
    tokens = []
    for column in columns:
        if column is None:
            continue
        text = "".join(c.lower() if "A" <= c <= "Z" else c for c in column)
        tokens.extend(text[i:i + 2].encode().hex() for i in range(len(text)))
    return " ".join(tokens)


def main() -> None:
    db, rooms, owner_id, member_id, member_rooms = sys.argv[1:6]
    rooms, member_rooms = int(rooms), int(member_rooms)
    every = max(1, rooms // member_rooms)
    con = sqlite3.connect(db)
    con.create_function("tr_search_grams", -1, search_grams, deterministic=True)
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("PRAGMA synchronous = OFF")
    room_rows, member_rows = [], []
    for i in range(rooms):
        room_id = f"bench{i:07d}"
        machine, problem = MACHINES[i % 10], PROBLEMS[i // 10 % 10]
        status = "archived" if i % 20 == 0 else "resolved" if i % 7 == 0 else "active"
        created = T0 + i * 60_000
        activity = created + (i * 7919) % 86_400_000
        shared = (i % every == every // 2) and (i // every < member_rooms)
        room_rows.append((
            room_id,
            f"{machine} {problem} #{i}",
            TYPES[i % 4],
            SEVERITIES[i // 4 % 4],
            status,
            f"Line {i % 12 + 1} / {BUILDINGS[i // 12 % 4]}",
            f"設備編號 EQ-{i % 5000:05d}，現場回報：{problem}。Operator reported {PROBLEMS[(i + 3) % 10]} on shift {i % 3 + 1}.",
            owner_id, created, created,
            created + 3_600_000 if status == "resolved" else None,
            created + 7_200_000 if status == "archived" else None,
            activity, 2 if shared else 1,
        ))
        member_rows.append((room_id, owner_id, "owner", created, owner_id))
        if shared:
            member_rows.append((room_id, member_id, "editor", created, owner_id))
    with con:
        con.executemany(
            "INSERT INTO rooms (room_id, title, incident_type, severity, status, location, "
            "description, created_by, created_at, updated_at, resolved_at, archived_at, "
            "last_activity_at, member_count) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", room_rows)
        con.executemany(
            "INSERT INTO room_members (room_id, user_id, role, added_at, added_by) "
            "VALUES (?,?,?,?,?)", member_rows)
    con.close()
    shared = sum(1 for r in member_rows if r[1] == member_id)
    print(f"seeded {rooms} rooms; the member belongs to {shared}")


if __name__ == "__main__":
    main()
