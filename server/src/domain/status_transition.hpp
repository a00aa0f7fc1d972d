#pragma once
// Room status transitions (SPEC.md section 3):
//   active -> resolved      resolve            (owner, editor, admin)
//   resolved -> active      reopen             (owner, editor, admin)
//   active -> archived      archive            (owner, admin)
//   resolved -> archived    archive            (owner, admin)
//   archived -> active      unarchive/reopen   (owner, admin)
// Anything else (including archived -> resolved) is kInvalidTransition.
// A "change" to the current status is not a transition; callers treat it as
// no change. Pure functions.

#include "core/error.hpp"
#include "domain/permissions.hpp"
#include "domain/room.hpp"

namespace tr {

// Success when from -> to is one of the transitions above (from != to).
Result<void> check_transition(RoomStatus from, RoomStatus to);

// The permission a valid transition needs: kResolveReopen or kArchiveRoom.
Action action_for_transition(RoomStatus from, RoomStatus to);

}  // namespace tr
