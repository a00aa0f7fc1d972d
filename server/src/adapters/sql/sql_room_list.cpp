// SqlRoomStore::list: a user's rooms (or, for admins, all rooms) with
// filters, sort, paging, unread counts and search in Chinese and English.
// The rest of the store is in sql_room_store.cpp.
#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <map>
#include <tuple>

#include "adapters/sql/sql_error.hpp"
#include "adapters/sql/sql_room_rows.hpp"
#include "adapters/sql/sql_room_store.hpp"
#include "adapters/sql/search_text.hpp"
#include "adapters/sql/sql_user_store.hpp"  // escape_like

namespace tr::sql {
namespace {

// `column` contains `text`, ignoring ASCII case, on either database.
std::string contains_clause(Dialect dialect, const std::string& column, const std::string& text,
                            Params& p) {
  const char* op = dialect == Dialect::kPostgres ? " ILIKE " : " LIKE ";
  return column + op + p.add("%" + escape_like(text) + "%") + " ESCAPE '\\'";
}

// How SQLite finds the rooms that match a search:
//  - kFromMatches: start from the FTS matches and look each room up (cheap
//    when there are few matches);
//  - kTestEachRow: walk the rooms in the order asked for (or the viewer's
//    memberships) and test each against the matches, stopping at the page's
//    end (cheap when there are many matches or few rooms to walk).
enum class SearchPlan { kFromMatches, kTestEachRow };

bool uses_fts(Dialect dialect, const std::string& text) {
  return dialect == Dialect::kSqlite && !text.empty();
}

// The SQLite FTS5 query that finds the rooms containing `text`: the trigram
// index for three characters or more, the pair index (search_text.hpp) for
// one or two.
std::string fts_matches(const std::string& text, Params& p) {
  if (utf8_length(text) >= 3) {
    return "SELECT rowid FROM room_search WHERE room_search MATCH " + p.add(fts5_phrase(text));
  }
  return "SELECT rowid FROM room_search_short WHERE room_search_short MATCH " +
         p.add(short_search_query(text));
}

// The one place room search differs per database. Both find the rooms whose
// title, description or location contains `text` (ASCII case ignored):
//  - PostgreSQL: ILIKE '%text%' per column, served by the pg_trgm GIN
//    indexes of 004_room_search.postgresql.sql (its planner picks the plan);
//  - SQLite: the FTS5 indexes of 004_room_search.sqlite.sql (three
//    characters or more) and 007_room_search_short.sqlite.sql (fewer),
//    queried in the shape `plan` asks for.
std::string search_clause(Dialect dialect, const std::string& text, Params& p, SearchPlan plan) {
  if (uses_fts(dialect, text)) {
    const std::string matches = fts_matches(text, p);
    if (plan == SearchPlan::kFromMatches) {
      return "r.room_id IN (SELECT i.room_id FROM room_search_ids i WHERE i.search_id IN (" +
             matches + "))";
    }
    return "EXISTS (SELECT 1 FROM room_search_ids i WHERE i.room_id = r.room_id AND "
           "i.search_id IN (" +
           matches + "))";
  }
  std::string clause = "(" + contains_clause(dialect, "r.title", text, p);
  clause += " OR " + contains_clause(dialect, "r.description", text, p);
  clause += " OR " + contains_clause(dialect, "r.location", text, p);
  return clause + ")";
}

std::string order_by(RoomSort sort) {
  switch (sort) {
    case RoomSort::kCreated:
      return " ORDER BY r.created_at DESC, r.room_id DESC";
    case RoomSort::kSeverity:
      return " ORDER BY CASE r.severity WHEN 'critical' THEN 3 WHEN 'high' THEN 2 "
             "WHEN 'medium' THEN 1 ELSE 0 END DESC, r.last_activity_at DESC, r.room_id DESC";
    case RoomSort::kLastActivity:
      break;
  }
  return " ORDER BY r.last_activity_at DESC, r.room_id DESC";
}

// Puts rooms in the order order_by() gives in SQL.
void sort_rooms(std::vector<RoomView>& items, RoomSort sort) {
  using Key = std::tuple<int, std::int64_t, const std::string&>;
  auto key = [sort](const RoomView& v) -> Key {
    const Room& r = v.room;
    switch (sort) {
      case RoomSort::kCreated:
        return Key(0, r.created_at, r.room_id);
      case RoomSort::kSeverity:
        return Key(severity_rank(r.severity), r.last_activity_at, r.room_id);
      case RoomSort::kLastActivity:
        break;
    }
    return Key(0, r.last_activity_at, r.room_id);
  };
  std::sort(items.begin(), items.end(),
            [&](const RoomView& a, const RoomView& b) { return key(a) > key(b); });
}

// The WHERE conditions of a room query (after any FROM parameters).
std::string where_clause(Dialect dialect, const RoomQuery& q, Params& p, bool member_filter,
                         SearchPlan plan) {
  std::vector<std::string> conds;
  if (member_filter) conds.push_back("m.user_id = " + p.add(q.viewer_id));
  if (q.status) conds.push_back("r.status = " + p.add(std::string(to_string(*q.status))));
  if (q.incident_type) {
    conds.push_back("r.incident_type = " + p.add(std::string(to_string(*q.incident_type))));
  }
  if (q.severity) conds.push_back("r.severity = " + p.add(std::string(to_string(*q.severity))));
  if (!q.location.empty()) conds.push_back(contains_clause(dialect, "r.location", q.location, p));
  if (!q.text.empty()) conds.push_back(search_clause(dialect, q.text, p, plan));
  std::string out;
  for (const auto& c : conds) out += (out.empty() ? " WHERE " : " AND ") + c;
  return out;
}

bool only_text_filter(const RoomQuery& q) {
  return !q.status && !q.incident_type && !q.severity && q.location.empty();
}

struct CountSlots {
  long long total = 0;
  std::deque<std::string> params;
};

long long count_rooms(const Lease& lease, Dialect dialect, const RoomQuery& query) {
  Params p;
  std::string sql;
  if (query.all_rooms) {
    sql = "SELECT COUNT(*) FROM rooms r" +
          where_clause(dialect, query, p, false, SearchPlan::kFromMatches);
  } else if (only_text_filter(query) && query.text.empty()) {
    // All of the viewer's rooms: the membership index alone.
    sql = "SELECT COUNT(*) FROM room_members m WHERE m.user_id = " + p.add(query.viewer_id);
  } else {
    sql = "SELECT COUNT(*) FROM room_members m JOIN rooms r ON r.room_id = m.room_id" +
          where_clause(dialect, query, p, true, SearchPlan::kTestEachRow);
  }
  auto q = lease.statements().get<CountSlots>(sql, [&](soci::statement& st, CountSlots& v) {
    st.exchange(soci::into(v.total));
    p.bind(st, v.params);
  });
  p.copy_to(q->params);
  q.execute();
  return q->total;
}

}  // namespace

namespace {

// Sets each item's unread_count: messages after the viewer's read position,
// not written by the viewer, not deleted. One query for the whole page.
struct UnreadSlots {
  std::string room_id, viewer_id;
  long long count = 0;
  std::deque<std::string> room_ids;
};

void fill_unread_counts(const Lease& lease, const std::string& viewer_id,
                        std::vector<RoomView>& items) {
  if (items.empty()) return;
  std::string sql =
      "SELECT msg.room_id, COUNT(*) FROM messages msg LEFT JOIN read_positions rp ON "
      "rp.room_id = msg.room_id AND rp.user_id = :viewer WHERE msg.room_id IN (";
  for (std::size_t i = 0; i < items.size(); ++i) sql += (i ? ", :r" : ":r") + std::to_string(i);
  sql += ") AND msg.seq > COALESCE(rp.seq, 0) AND msg.deleted = 0 AND (msg.sender_id IS NULL OR "
         "msg.sender_id <> :viewer2) GROUP BY msg.room_id";
  auto q = lease.statements().get<UnreadSlots>(sql, [&](soci::statement& st, UnreadSlots& v) {
    st.exchange(soci::into(v.room_id));
    st.exchange(soci::into(v.count));
    st.exchange(soci::use(v.viewer_id));
    v.room_ids.resize(items.size());
    for (auto& id : v.room_ids) st.exchange(soci::use(id));
    st.exchange(soci::use(v.viewer_id));
  });
  q->viewer_id = viewer_id;
  for (std::size_t i = 0; i < items.size(); ++i) q->room_ids[i] = items[i].room.room_id;
  std::map<std::string, long long> counts;
  if (q.execute()) {
    do {
      counts[q->room_id] = q->count;
    } while (q.fetch());
  }
  for (auto& item : items) {
    auto it = counts.find(item.room.room_id);
    item.unread_count = it == counts.end() ? 0 : it->second;
  }
}

}  // namespace

namespace {

// The search_id of every room containing `text` (SQLite), ascending. Read
// as one comma-separated text: stepping FTS5 once per match through SOCI cost
// more than the search itself.
struct MatchSlots {
  std::string ids;
  soci::indicator ids_ind = soci::i_null;
  std::deque<std::string> params;
};

std::vector<long long> matching_search_ids(const Lease& lease, const std::string& text) {
  Params p;
  const std::string sql = "SELECT group_concat(rowid) FROM (" + fts_matches(text, p) + ")";
  auto q = lease.statements().get<MatchSlots>(sql, [&](soci::statement& st, MatchSlots& v) {
    st.exchange(soci::into(v.ids, v.ids_ind));
    p.bind(st, v.params);
  });
  p.copy_to(q->params);
  std::vector<long long> ids;
  if (!q.execute() || q->ids_ind != soci::i_ok) return ids;
  const char* at = q->ids.data();
  const char* end = at + q->ids.size();
  while (at < end) {
    long long id = 0;
    auto [next, ec] = std::from_chars(at, end, id);
    if (ec != std::errc()) throw std::runtime_error("unexpected search id list");
    ids.push_back(id);
    at = next + 1;  // the comma
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

// A page of all rooms among `matches` (sorted search_ids), by walking the
// sort index and testing each room until the page is full: a page of 50 then
// reads about 50 * rooms / matches index entries. For kLastActivity and
// kCreated.
struct WalkSlots {
  long long search_id = 0;
  std::string room_id;
};

std::vector<RoomView> walk_matches(const Lease& lease, const RoomQuery& query,
                                   const std::vector<long long>& matches) {
  const bool by_created = query.sort == RoomSort::kCreated;
  const std::string sql =
      std::string("SELECT i.search_id, r.room_id FROM rooms r INDEXED BY ") +
      (by_created ? "rooms_created" : "rooms_last_activity") +
      " JOIN room_search_ids i ON i.room_id = r.room_id" + order_by(query.sort);
  Params p;  // bound in order of appearance: the viewer, then the rooms
  const std::string viewer = p.add(query.viewer_id);
  std::string ids;
  {
    auto q = lease.statements().get<WalkSlots>(sql, [](soci::statement& st, WalkSlots& v) {
      st.exchange(soci::into(v.search_id));
      st.exchange(soci::into(v.room_id));
    });
    std::int64_t skipped = 0, taken = 0;
    for (bool more = q.execute(); more && taken < query.limit; more = q.fetch()) {
      if (!std::binary_search(matches.begin(), matches.end(), q->search_id)) continue;
      if (skipped < query.offset) {
        ++skipped;
        continue;
      }
      ids += (taken++ ? ", " : "") + p.add(q->room_id);
    }
  }
  if (ids.empty()) return {};
  const std::string rooms = std::string("SELECT ") + kRoomColumns +
                            ", m.role FROM rooms r LEFT JOIN room_members m ON m.room_id = "
                            "r.room_id AND m.user_id = " +
                            viewer + " WHERE r.room_id IN (" + ids + ")";
  auto items = fetch_rooms(lease, rooms, p, true);
  sort_rooms(items, query.sort);
  return items;
}

}  // namespace

Result<RoomPage> SqlRoomStore::list(const RoomQuery& query) {
  return guarded("rooms.list", [&]() -> Result<RoomPage> {
    auto lease = db_.acquire();
    const Dialect dialect = db_.dialect();
    RoomPage page;
    // An all-rooms text search on SQLite counts first, to pick its plan:
    // above walk_index_above_ matches it walks the sort index, below,
    // sorting the few matches is cheaper. With no other filter the matches
    // are read once, for both the count and the walk.
    const bool count_first = query.all_rooms && uses_fts(dialect, query.text);
    const bool walkable = query.sort != RoomSort::kSeverity;
    if (count_first && only_text_filter(query)) {
      const auto matches = matching_search_ids(lease, query.text);
      page.total = static_cast<std::int64_t>(matches.size());
      if (page.total > walk_index_above_ && walkable) {
        if (page.total > query.offset) {
          page.items = walk_matches(lease, query, matches);
          fill_unread_counts(lease, query.viewer_id, page.items);
        }
        return page;
      }
    } else if (count_first) {
      page.total = count_rooms(lease, dialect, query);
    }

    SearchPlan plan = query.all_rooms ? SearchPlan::kFromMatches : SearchPlan::kTestEachRow;
    std::string walk_index;
    if (count_first && page.total > walk_index_above_ && walkable) {
      plan = SearchPlan::kTestEachRow;
      walk_index = query.sort == RoomSort::kCreated ? " INDEXED BY rooms_created"
                                                    : " INDEXED BY rooms_last_activity";
    }
    if (!count_first || page.total > query.offset) {
      // The page's keys first (sorting narrow rows is far cheaper than
      // sorting whole rooms), then the rooms of the page, put in order here.
      Params p;
      std::string keys = "SELECT r.room_id AS id, m.role AS role FROM ";
      if (query.all_rooms) {
        keys += "rooms r" + walk_index +
                " LEFT JOIN room_members m ON m.room_id = r.room_id AND m.user_id = ";
        keys += p.add(query.viewer_id);
      } else {
        keys += "room_members m JOIN rooms r ON r.room_id = m.room_id";
      }
      keys += where_clause(dialect, query, p, !query.all_rooms, plan);
      keys += order_by(query.sort);
      keys += " LIMIT " + std::to_string(query.limit) + " OFFSET " + std::to_string(query.offset);
      const std::string sql = std::string("SELECT ") + kRoomColumns + ", k.role FROM (" + keys +
                              ") k JOIN rooms r ON r.room_id = k.id";
      page.items = fetch_rooms(lease, sql, p, true);
      sort_rooms(page.items, query.sort);
      fill_unread_counts(lease, query.viewer_id, page.items);
    }
    if (count_first) return page;
    const auto n = static_cast<std::int64_t>(page.items.size());
    if (n > 0 && n < query.limit) {
      page.total = query.offset + n;  // the last page: no need to count
    } else {
      page.total = count_rooms(lease, dialect, query);
    }
    return page;
  });
}

}  // namespace tr::sql
