#pragma once
// Reading rooms out of SQL, shared by the room store's files: numbered
// parameters for statements built at run time, the room columns, and the one
// function that runs a SELECT of them through the connection's statement cache.

#include <algorithm>
#include <deque>
#include <string>
#include <vector>

#include <soci/soci.h>

#include "adapters/sql/database.hpp"
#include "core/error.hpp"
#include "ports/room_store.hpp"

namespace tr::sql {

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

// Every column of `rooms` a Room needs, as `r.<column>`.
extern const char* const kRoomColumns;

// Runs a SELECT of kRoomColumns [, role] (a cached statement per SQL text)
// and returns every row.
std::vector<RoomView> fetch_rooms(const Lease& lease, const std::string& sql, const Params& params,
                                  bool with_role);

// One room by id; kNotFound without it.
Result<Room> read_room(const Lease& lease, const std::string& room_id);

}  // namespace tr::sql
