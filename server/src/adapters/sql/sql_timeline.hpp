#pragma once
// Writing a room's timeline, shared by the SQL stores: claiming the room's
// next seqs, storing messages and storing rendered events. Every function runs
// inside the caller's transaction on the caller's connection (writes through
// its cached statements); errors throw
// (soci_error) and roll the transaction back with the rest of the change.

#include <soci/soci.h>

#include <optional>
#include <string>
#include <vector>

#include "adapters/sql/database.hpp"
#include "core/clock.hpp"
#include "domain/message.hpp"
#include "domain/room_event.hpp"

namespace tr::sql {

struct SeqClaim {
  long long last_seq = 0;  // the last of the claimed seqs
  std::string status;      // the room's status ("active", "resolved", "archived")
  long long version = 0;
};

// Takes the room's next `n` seqs (on PostgreSQL also the room row's lock
// until commit, which serialises writers of one room across instances) and
// sets last_activity_at. nullopt when there is no such room.
std::optional<SeqClaim> claim_seqs(const Lease& lease, const std::string& room_id, long long n,
                                   EpochMs at);

// Inserts `m` (with its seq set) into `messages`.
void insert_message(const Lease& lease, const Message& m);
// The same for many, several rows per statement (a batch costs a few
// statements, not one per message).
void insert_messages(const Lease& lease, const std::vector<Message>& messages);

// Inserts a rendered event into `room_events`.
void insert_event(const Lease& lease, const RoomEvent& event, const std::string& actor_id);
struct EventRow {
  const RoomEvent* event;
  std::string actor_id;  // empty: none
};
void insert_events(const Lease& lease, const std::vector<EventRow>& events);

// Reads full messages (sender name, reactions) for the rows `where` selects
// (a condition on the `messages m` table with numbered parameters bound by
// `bind`), ordered by `order`.
struct MessageQuery {
  std::string where;                  // e.g. "m.room_id = :r AND m.seq < :b"
  std::vector<std::string> strings;   // bound first, in order
  std::vector<long long> numbers;     // bound after the strings
  std::string order = "m.seq ASC";
  int limit = 50;
};
std::vector<Message> read_messages(soci::session& s, const MessageQuery& query);

}  // namespace tr::sql
