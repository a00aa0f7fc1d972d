#include "domain/message.hpp"

namespace tr {

std::string_view to_string(MessageType type) {
  switch (type) {
    case MessageType::kText:
      return "text";
    case MessageType::kFile:
      return "file";
    case MessageType::kSystem:
      return "system";
  }
  return "text";
}

std::optional<MessageType> parse_message_type(std::string_view text) {
  if (text == "text") return MessageType::kText;
  if (text == "file") return MessageType::kFile;
  if (text == "system") return MessageType::kSystem;
  return std::nullopt;
}

}  // namespace tr
