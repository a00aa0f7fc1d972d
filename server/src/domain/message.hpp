#pragma once
// Message: one entry a person (or the system) wrote in a room's timeline
// (SPEC.md section 4). `seq` is the seq of the event that created it, so
// messages sort by seq. A deleted message keeps its place with its content
// removed. Plain value type.

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace tr {

enum class MessageType { kText, kFile, kSystem };

std::string_view to_string(MessageType type);
std::optional<MessageType> parse_message_type(std::string_view text);

struct Reaction {
  std::string emoji;
  std::vector<std::string> user_ids;  // who reacted, oldest first; count = size
};

struct Message {
  std::string message_id;
  std::string room_id;
  std::int64_t seq = 0;
  std::string sender_id;    // for system messages: who made the change
  std::string sender_name;  // display name of the sender
  MessageType type = MessageType::kText;
  std::string content;
  boost::json::object metadata;         // structured details, e.g. of a system change
  std::optional<std::string> reply_to;  // message id
  std::vector<Reaction> reactions;
  EpochMs created_at = 0;
  std::optional<EpochMs> edited_at;
  bool deleted = false;
  std::optional<std::string> client_id;  // the sender's idempotency key
};

}  // namespace tr
