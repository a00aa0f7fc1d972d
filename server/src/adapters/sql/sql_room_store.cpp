#include "adapters/sql/sql_room_store.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include <boost/json/serialize.hpp>
#include <deque>
#include <type_traits>
#include <variant>

#include "adapters/sql/sql_error.hpp"
#include "adapters/sql/sql_timeline.hpp"
#include "core/strings.hpp"
#include "domain/room_json.hpp"

namespace tr::sql {
namespace {

// Parameters of a statement built at run time, bound in order of appearance
// (:p1, :p2, ...). A deque, because SOCI binds by reference.
class Params {
 public:
  std::string add(std::string value) {
    values_.push_back(std::move(value));
    return ":p" + std::to_string(values_.size());
  }
  std::size_t size() const { return values_.size(); }
  // Binds `slots` (sized here) in order; fill them with copy_to() before each run.
  void bind(soci::statement& st, std::deque<std::string>& slots) const {
    slots.resize(values_.size());
    for (auto& v : slots) st.exchange(soci::use(v));
  }
  void copy_to(std::deque<std::string>& slots) const {
    std::copy(values_.begin(), values_.end(), slots.begin());
  }

 private:
  std::deque<std::string> values_;
};

constexpr const char* kRoomColumns =
    "r.room_id, r.title, r.incident_type, r.severity, r.status, r.location, r.description, "
    "r.resolution_notes, r.created_by, r.created_at, r.updated_at, r.resolved_at, r.archived_at, "
    "r.last_activity_at, r.last_seq, r.member_count, r.version, r.template_id";

// One row of kRoomColumns (and optionally the viewer's role), bound by
// reference to a statement and copied out after each fetch.
struct RoomRow {
  std::string room_id, title, incident_type, severity, status, location, description,
      resolution_notes, created_by, template_id, role;
  long long created_at = 0, updated_at = 0, resolved_at = 0, archived_at = 0, last_activity_at = 0,
            last_seq = 0, member_count = 0, version = 0;
  soci::indicator resolved_ind = soci::i_null, archived_ind = soci::i_null,
                  template_ind = soci::i_null, role_ind = soci::i_null;

  void bind(soci::statement& st, bool with_role) {
    st.exchange(soci::into(room_id));
    st.exchange(soci::into(title));
    st.exchange(soci::into(incident_type));
    st.exchange(soci::into(severity));
    st.exchange(soci::into(status));
    st.exchange(soci::into(location));
    st.exchange(soci::into(description));
    st.exchange(soci::into(resolution_notes));
    st.exchange(soci::into(created_by));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(updated_at));
    st.exchange(soci::into(resolved_at, resolved_ind));
    st.exchange(soci::into(archived_at, archived_ind));
    st.exchange(soci::into(last_activity_at));
    st.exchange(soci::into(last_seq));
    st.exchange(soci::into(member_count));
    st.exchange(soci::into(version));
    st.exchange(soci::into(template_id, template_ind));
    if (with_role) st.exchange(soci::into(role, role_ind));
  }

  RoomView view() const {
    RoomView v;
    Room& r = v.room;
    r.room_id = room_id;
    r.title = title;
    r.incident_type = parse_incident_type(incident_type).value_or(IncidentType::kOther);
    r.severity = parse_severity(severity).value_or(Severity::kMedium);
    r.status = parse_room_status(status).value_or(RoomStatus::kActive);
    r.location = location;
    r.description = description;
    r.resolution_notes = resolution_notes;
    r.created_by = created_by;
    r.created_at = created_at;
    r.updated_at = updated_at;
    if (resolved_ind == soci::i_ok) r.resolved_at = resolved_at;
    if (archived_ind == soci::i_ok) r.archived_at = archived_at;
    r.last_activity_at = last_activity_at;
    r.last_seq = last_seq;
    r.member_count = member_count;
    r.version = version;
    if (template_ind == soci::i_ok) r.template_id = template_id;
    if (role_ind == soci::i_ok) v.role = parse_role(role);
    return v;
  }
};

struct RoomRowsSlots {
  RoomRow row;
  std::deque<std::string> params;
};

// Runs a SELECT of kRoomColumns [, role] and returns every row.
std::vector<RoomView> fetch_rooms(const Lease& lease, const std::string& sql, const Params& params,
                                  bool with_role) {
  auto q = lease.statements().get<RoomRowsSlots>(sql, [&](soci::statement& st, RoomRowsSlots& v) {
    v.row.bind(st, with_role);
    params.bind(st, v.params);
  });
  params.copy_to(q->params);
  q->row.role_ind = soci::i_null;
  std::vector<RoomView> out;
  if (!q.execute()) return out;
  do {
    out.push_back(q->row.view());
  } while (q.fetch());
  return out;
}

Result<Room> read_room(const Lease& lease, const std::string& room_id) {
  Params p;
  const std::string sql =
      std::string("SELECT ") + kRoomColumns + " FROM rooms r WHERE r.room_id = " + p.add(room_id);
  auto rows = fetch_rooms(lease, sql, p, false);
  if (rows.empty()) return Error{ErrorCode::kNotFound, "no such room", "room_id"};
  return std::move(rows.front().room);
}

// `text` for LIKE/ILIKE with '\' as the escape character.
std::string like_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// `column` contains `text`, ignoring ASCII case, on either database.
std::string contains_clause(Dialect dialect, const std::string& column, const std::string& text,
                            Params& p) {
  const char* op = dialect == Dialect::kPostgres ? " ILIKE " : " LIKE ";
  return column + op + p.add("%" + like_escape(text) + "%") + " ESCAPE '\\'";
}

// How SQLite finds the rooms that match a 3+ character search:
//  - kFromMatches: start from the FTS matches and look each room up (cheap
//    when there are few matches);
//  - kTestEachRow: walk the rooms in the order asked for (or the viewer's
//    memberships) and test each against the matches, stopping at the page's
//    end (cheap when there are many matches or few rooms to walk).
enum class SearchPlan { kFromMatches, kTestEachRow };

bool uses_fts(Dialect dialect, const std::string& text) {
  return dialect == Dialect::kSqlite && utf8_length(text) >= 3;
}

// `text` as one FTS5 phrase: with the trigram tokenizer, a phrase is a
// substring match.
std::string fts_phrase(const std::string& text) {
  std::string phrase = "\"";
  for (char c : text) {
    if (c == '"') phrase.push_back('"');
    phrase.push_back(c);
  }
  phrase.push_back('"');
  return phrase;
}

// The one place room search differs per database. Both find the rooms whose
// title, description or location contains `text` (ASCII case ignored):
//  - PostgreSQL: ILIKE '%text%' per column, served by the pg_trgm GIN
//    indexes of 004_room_search.postgresql.sql (its planner picks the plan);
//  - SQLite, 3+ characters: the FTS5 trigram index of
//    004_room_search.sqlite.sql, queried with the text as one phrase, in the
//    shape `plan` asks for;
//  - SQLite, 1-2 characters (no trigram to look up): LIKE '%text%'.
std::string search_clause(Dialect dialect, const std::string& text, Params& p, SearchPlan plan) {
  if (uses_fts(dialect, text)) {
    const std::string matches =
        "SELECT rowid FROM room_search WHERE room_search MATCH " + p.add(fts_phrase(text));
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

// Takes the room's next `n` seqs (sql_timeline); kNotFound without the room.
Result<SeqClaim> claim_room_seqs(const Lease& lease, const std::string& room_id, std::size_t n,
                                 EpochMs at) {
  auto claim = sql::claim_seqs(lease, room_id, static_cast<long long>(n), at);
  if (!claim) return Error{ErrorCode::kNotFound, "no such room", "room_id"};
  return *claim;
}

Error archived_error() {
  return Error{ErrorCode::kRoomArchived, "the room is archived: reopen it first"};
}

// Stores `batch` at seqs last_seq - n + 1 ... last_seq, after the change has
// been written, and returns the committed room with the stored events.
RoomChange append_events(const Lease& lease, const std::string& room_id, long long last_seq,
                         const EventBatch& batch) {
  RoomChange out;
  out.room = read_room(lease, room_id).value();
  long long seq = last_seq - static_cast<long long>(batch.changes.size());
  for (const auto& change : batch.changes) {
    ++seq;
    RoomEvent event;
    if (std::holds_alternative<RoomUpdated>(change)) {
      event = render_event(room_id, seq, RoomUpdated{out.room}, batch.at);
    } else {
      if (const auto* posted = std::get_if<MessagePosted>(&change)) {
        Message m = posted->message;
        m.room_id = room_id;
        m.seq = seq;
        insert_message(lease, m);
      }
      event = render_event(room_id, seq, change, batch.at);
    }
    insert_event(lease, event, batch.actor_id);
    out.events.push_back(std::move(event));
  }
  return out;
}

// The member's role inside the transaction, or nullopt.
std::optional<Role> role_in_tx(soci::session& s, const std::string& room_id,
                               const std::string& user_id) {
  std::string role;
  soci::indicator ind = soci::i_null;
  s << "SELECT role FROM room_members WHERE room_id = :r AND user_id = :u", soci::use(room_id),
      soci::use(user_id), soci::into(role, ind);
  if (!s.got_data() || ind != soci::i_ok) return std::nullopt;
  return parse_role(role);
}

long long owner_count(soci::session& s, const std::string& room_id) {
  long long n = 0;
  s << "SELECT COUNT(*) FROM room_members WHERE room_id = :r AND role = 'owner'",
      soci::use(room_id), soci::into(n);
  return n;
}

Error not_a_member() {
  return Error{ErrorCode::kNotFound, "that user is not a member of this room", "user_id"};
}

struct MemberSlots {
  std::string user_id, username, display_name, role, added_by;
  long long added_at = 0;
  std::deque<std::string> params;
};

std::vector<Member> fetch_members(const Lease& lease, const std::string& room_id,
                                  const std::string* user_id) {
  Params p;
  std::string sql =
      "SELECT m.user_id, u.username, u.display_name, m.role, m.added_at, m.added_by "
      "FROM room_members m JOIN users u ON u.user_id = m.user_id WHERE m.room_id = " +
      p.add(room_id);
  if (user_id) sql += " AND m.user_id = " + p.add(*user_id);
  sql += " ORDER BY m.added_at, m.user_id";
  auto q = lease.statements().get<MemberSlots>(sql, [&](soci::statement& st, MemberSlots& v) {
    st.exchange(soci::into(v.user_id));
    st.exchange(soci::into(v.username));
    st.exchange(soci::into(v.display_name));
    st.exchange(soci::into(v.role));
    st.exchange(soci::into(v.added_at));
    st.exchange(soci::into(v.added_by));
    p.bind(st, v.params);
  });
  p.copy_to(q->params);
  std::vector<Member> out;
  if (!q.execute()) return out;
  do {
    Member m;
    m.room_id = room_id;
    m.user_id = q->user_id;
    m.username = q->username;
    m.display_name = q->display_name;
    m.role = parse_role(q->role).value_or(Role::kViewer);
    m.added_at = q->added_at;
    m.added_by = q->added_by;
    out.push_back(std::move(m));
  } while (q.fetch());
  return out;
}

bool room_exists(soci::session& s, const std::string& room_id) {
  long long n = 0;
  s << "SELECT COUNT(*) FROM rooms WHERE room_id = :r", soci::use(room_id), soci::into(n);
  return n > 0;
}

}  // namespace

Result<RoomChange> SqlRoomStore::create(const Room& room, const std::vector<Member>& members,
                                        const EventBatch& batch) {
  return guarded("rooms.create", [&]() -> Result<RoomChange> {
    auto lease = db_.acquire();
    soci::session& s = *lease;
    Transaction tx(lease);
    const std::string incident_type(to_string(room.incident_type));
    const std::string severity(to_string(room.severity));
    const std::string status(to_string(room.status));
    const long long created = room.created_at, updated = room.updated_at;
    const long long resolved = room.resolved_at.value_or(0);
    const long long archived = room.archived_at.value_or(0);
    soci::indicator resolved_ind = room.resolved_at ? soci::i_ok : soci::i_null;
    soci::indicator archived_ind = room.archived_at ? soci::i_ok : soci::i_null;
    const long long activity = batch.at;
    const long long member_count = static_cast<long long>(members.size());
    const long long version = room.version;
    const std::string template_id = room.template_id.value_or("");
    soci::indicator template_ind = room.template_id ? soci::i_ok : soci::i_null;
    std::string inserted;
    s << "INSERT INTO rooms (room_id, title, incident_type, severity, status, location, "
         "description, resolution_notes, created_by, created_at, updated_at, resolved_at, "
         "archived_at, last_activity_at, last_seq, member_count, version, template_id) VALUES "
         "(:id, :title, :type, :severity, :status, :location, :description, :notes, :by, "
         ":created, :updated, :resolved, :archived, :activity, 0, :members, :version, :tpl) "
         "ON CONFLICT (room_id) DO NOTHING RETURNING room_id",
        soci::use(room.room_id), soci::use(room.title), soci::use(incident_type),
        soci::use(severity), soci::use(status), soci::use(room.location),
        soci::use(room.description), soci::use(room.resolution_notes), soci::use(room.created_by),
        soci::use(created), soci::use(updated), soci::use(resolved, resolved_ind),
        soci::use(archived, archived_ind), soci::use(activity), soci::use(member_count),
        soci::use(version), soci::use(template_id, template_ind), soci::into(inserted);
    if (!s.got_data()) return Error{ErrorCode::kConflict, "a room with this id exists"};
    for (const auto& m : members) {
      const std::string role(to_string(m.role));
      const long long added = m.added_at;
      s << "INSERT INTO room_members (room_id, user_id, role, added_at, added_by) "
           "VALUES (:r, :u, :role, :at, :by)",
          soci::use(room.room_id), soci::use(m.user_id), soci::use(role), soci::use(added),
          soci::use(m.added_by);
    }
    auto claim = claim_room_seqs(lease, room.room_id, batch.changes.size(), batch.at);
    if (!claim) return claim.error();
    RoomChange out = append_events(lease, room.room_id, claim->last_seq, batch);
    tx.commit();
    return out;
  });
}

Result<RoomView> SqlRoomStore::find(const std::string& room_id, const std::string& viewer_id) {
  return guarded("rooms.find", [&]() -> Result<RoomView> {
    auto lease = db_.acquire();
    Params p;
    std::string sql = std::string("SELECT ") + kRoomColumns +
                      ", m.role FROM rooms r LEFT JOIN room_members m ON m.room_id = r.room_id "
                      "AND m.user_id = ";
    sql += p.add(viewer_id);  // parameters are numbered in the order of the text
    sql += " WHERE r.room_id = ";
    sql += p.add(room_id);
    auto rows = fetch_rooms(lease, sql, p, true);
    if (rows.empty()) return Error{ErrorCode::kNotFound, "no such room", "room_id"};
    return std::move(rows.front());
  });
}

namespace {

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
  if (query.all_rooms && uses_fts(dialect, query.text) && only_text_filter(query)) {
    // Every match is a room: count the index alone.
    sql =
        "SELECT COUNT(*) FROM room_search WHERE room_search MATCH " + p.add(fts_phrase(query.text));
  } else if (query.all_rooms) {
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

Result<RoomPage> SqlRoomStore::list(const RoomQuery& query) {
  return guarded("rooms.list", [&]() -> Result<RoomPage> {
    auto lease = db_.acquire();
    const Dialect dialect = db_.dialect();
    RoomPage page;
    // An all-rooms text search on SQLite counts first, to pick its plan:
    // above walk_index_above_ matches it walks the sort index (a page of 50
    // then reads about 50 * rooms/matches index entries); below, sorting the
    // few matches is cheaper.
    const bool count_first = query.all_rooms && uses_fts(dialect, query.text);
    if (count_first) page.total = count_rooms(lease, dialect, query);

    SearchPlan plan = query.all_rooms ? SearchPlan::kFromMatches : SearchPlan::kTestEachRow;
    std::string walk_index;
    if (count_first && page.total > walk_index_above_ && query.sort != RoomSort::kSeverity) {
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

Result<std::vector<Member>> SqlRoomStore::members(const std::string& room_id) {
  return guarded("rooms.members", [&]() -> Result<std::vector<Member>> {
    auto lease = db_.acquire();
    auto out = fetch_members(lease, room_id, nullptr);
    if (out.empty() && !room_exists(*lease, room_id)) {
      return Error{ErrorCode::kNotFound, "no such room", "room_id"};
    }
    return out;
  });
}

Result<std::optional<Member>> SqlRoomStore::member(const std::string& room_id,
                                                   const std::string& user_id) {
  return guarded("rooms.member", [&]() -> Result<std::optional<Member>> {
    auto lease = db_.acquire();
    auto out = fetch_members(lease, room_id, &user_id);
    if (!out.empty()) return std::optional<Member>(std::move(out.front()));
    if (!room_exists(*lease, room_id))
      return Error{ErrorCode::kNotFound, "no such room", "room_id"};
    return std::optional<Member>();
  });
}

Result<RoomChange> SqlRoomStore::update(const Room& room, std::int64_t expected_version,
                                        const EventBatch& batch) {
  return guarded("rooms.update", [&]() -> Result<RoomChange> {
    auto lease = db_.acquire();
    soci::session& s = *lease;
    Transaction tx(lease);
    auto claim = claim_room_seqs(lease, room.room_id, batch.changes.size(), batch.at);
    if (!claim) return claim.error();
    if (claim->version != expected_version) {
      return Error{
          ErrorCode::kPreconditionFailed,
          "the room was changed by someone else (version " + std::to_string(claim->version) + ")"};
    }
    const std::string severity(to_string(room.severity));
    const std::string status(to_string(room.status));
    const long long resolved = room.resolved_at.value_or(0);
    const long long archived = room.archived_at.value_or(0);
    soci::indicator resolved_ind = room.resolved_at ? soci::i_ok : soci::i_null;
    soci::indicator archived_ind = room.archived_at ? soci::i_ok : soci::i_null;
    const long long at = batch.at;
    s << "UPDATE rooms SET title = :title, severity = :severity, status = :status, "
         "location = :location, description = :description, resolution_notes = :notes, "
         "resolved_at = :resolved, archived_at = :archived, updated_at = :at, "
         "version = version + 1 WHERE room_id = :id",
        soci::use(room.title), soci::use(severity), soci::use(status), soci::use(room.location),
        soci::use(room.description), soci::use(room.resolution_notes),
        soci::use(resolved, resolved_ind), soci::use(archived, archived_ind), soci::use(at),
        soci::use(room.room_id);
    RoomChange out = append_events(lease, room.room_id, claim->last_seq, batch);
    tx.commit();
    return out;
  });
}

namespace {

// The frame every membership change shares: one transaction that claims the
// room's next seqs (refused for archived rooms), runs `change` (which returns
// an error to refuse, nullopt to go on), appends `batch` and commits.
template <class Change>
Result<RoomChange> change_members(Database& db, const char* operation, const std::string& room_id,
                                  const EventBatch& batch, Change&& change) {
  return guarded(operation, [&]() -> Result<RoomChange> {
    auto lease = db.acquire();
    soci::session& s = *lease;
    Transaction tx(lease);
    auto claim = claim_room_seqs(lease, room_id, batch.changes.size(), batch.at);
    if (!claim) return claim.error();
    if (claim->status == "archived") return archived_error();
    if (std::optional<Error> refused = change(s)) return *refused;
    RoomChange out = append_events(lease, room_id, claim->last_seq, batch);
    tx.commit();
    return out;
  });
}

}  // namespace

Result<RoomChange> SqlRoomStore::add_member(const Member& member, const EventBatch& batch) {
  return change_members(db_, "rooms.add_member", member.room_id, batch,
                        [&](soci::session& s) -> std::optional<Error> {
    if (role_in_tx(s, member.room_id, member.user_id)) {
      return Error{ErrorCode::kConflict, "that user is already a member of this room", "username"};
    }
    const std::string role(to_string(member.role));
    const long long added = member.added_at;
    s << "INSERT INTO room_members (room_id, user_id, role, added_at, added_by) "
         "VALUES (:r, :u, :role, :at, :by)",
        soci::use(member.room_id), soci::use(member.user_id), soci::use(role), soci::use(added),
        soci::use(member.added_by);
    s << "UPDATE rooms SET member_count = member_count + 1 WHERE room_id = :r",
        soci::use(member.room_id);
    return std::nullopt;
  });
}

Result<RoomChange> SqlRoomStore::set_role(const std::string& room_id, const std::string& user_id,
                                          Role role, const EventBatch& batch) {
  return change_members(db_, "rooms.set_role", room_id, batch,
                        [&](soci::session& s) -> std::optional<Error> {
    auto current = role_in_tx(s, room_id, user_id);
    if (!current) return not_a_member();
    if (*current == Role::kOwner && role != Role::kOwner && owner_count(s, room_id) <= 1) {
      return Error{ErrorCode::kLastOwner, "a room must keep at least one owner"};
    }
    const std::string new_role(to_string(role));
    s << "UPDATE room_members SET role = :role WHERE room_id = :r AND user_id = :u",
        soci::use(new_role), soci::use(room_id), soci::use(user_id);
    return std::nullopt;
  });
}

Result<RoomChange> SqlRoomStore::remove_member(const std::string& room_id,
                                               const std::string& user_id,
                                               const EventBatch& batch) {
  return change_members(db_, "rooms.remove_member", room_id, batch,
                        [&](soci::session& s) -> std::optional<Error> {
    auto current = role_in_tx(s, room_id, user_id);
    if (!current) return not_a_member();
    if (*current == Role::kOwner && owner_count(s, room_id) <= 1) {
      return Error{ErrorCode::kLastOwner, "the last owner cannot leave: transfer ownership first"};
    }
    s << "DELETE FROM room_members WHERE room_id = :r AND user_id = :u", soci::use(room_id),
        soci::use(user_id);
    s << "UPDATE rooms SET member_count = member_count - 1 WHERE room_id = :r", soci::use(room_id);
    return std::nullopt;
  });
}

Result<RoomChange> SqlRoomStore::transfer_ownership(
    const std::string& room_id, const std::string& to_user_id,
    const std::optional<std::string>& demote_user_id, const EventBatch& batch) {
  return change_members(db_, "rooms.transfer_ownership", room_id, batch,
                        [&](soci::session& s) -> std::optional<Error> {
    if (!role_in_tx(s, room_id, to_user_id)) return not_a_member();
    s << "UPDATE room_members SET role = 'owner' WHERE room_id = :r AND user_id = :u",
        soci::use(room_id), soci::use(to_user_id);
    if (demote_user_id && *demote_user_id != to_user_id) {
      s << "UPDATE room_members SET role = 'editor' WHERE room_id = :r AND user_id = :u",
          soci::use(room_id), soci::use(*demote_user_id);
    }
    return std::nullopt;
  });
}

Result<std::vector<RoomEvent>> SqlRoomStore::events_after(const std::string& room_id,
                                                          std::int64_t after_seq, int limit) {
  return guarded("rooms.events_after", [&]() -> Result<std::vector<RoomEvent>> {
    auto lease = db_.acquire();
    long long seq = 0, created = 0;
    std::string type, frame;
    const long long after = after_seq;
    soci::statement st = (lease->prepare << "SELECT seq, event_type, frame, created_at "
                                            "FROM room_events WHERE room_id = :r AND seq > :s "
                                            "ORDER BY seq LIMIT " +
                                                std::to_string(limit),
                          soci::use(room_id), soci::use(after), soci::into(seq), soci::into(type),
                          soci::into(frame), soci::into(created));
    st.execute();
    std::vector<RoomEvent> out;
    while (st.fetch()) {
      RoomEvent e;
      e.room_id = room_id;
      e.seq = seq;
      e.type = type;
      e.frame = frame;
      e.created_at = created;
      out.push_back(std::move(e));
    }
    return out;
  });
}

}  // namespace tr::sql
