#include "domain/status_transition.hpp"

#include <string>

namespace tr {

Result<void> check_transition(RoomStatus from, RoomStatus to) {
  using S = RoomStatus;
  const bool ok =
      (from == S::kActive && to == S::kResolved) || (from == S::kResolved && to == S::kActive) ||
      (from == S::kActive && to == S::kArchived) || (from == S::kResolved && to == S::kArchived) ||
      (from == S::kArchived && to == S::kActive);
  if (ok) return {};
  return Error{
      ErrorCode::kInvalidTransition,
      "a room cannot go from " + std::string(to_string(from)) + " to " + std::string(to_string(to)),
      "status"};
}

Action action_for_transition(RoomStatus from, RoomStatus to) {
  if (to == RoomStatus::kArchived || from == RoomStatus::kArchived) return Action::kArchiveRoom;
  return Action::kResolveReopen;
}

}  // namespace tr
