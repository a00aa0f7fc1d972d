#pragma once
// TemplateStore: the room templates admins manage (SPEC.md section 3). Three
// ship with the schema (equipment failure 設備故障, material shortage 缺料,
// quality issue 品質異常). Names are unique. Blocking; thread-safe.

#include <string>
#include <vector>

#include "core/error.hpp"
#include "domain/room.hpp"

namespace tr {

class TemplateStore {
 public:
  virtual ~TemplateStore() = default;

  // Every template, by name.
  virtual Result<std::vector<RoomTemplate>> list() = 0;

  // kNotFound when unknown.
  virtual Result<RoomTemplate> get(const std::string& template_id) = 0;

  // Stores `tpl` as given (id and timestamps set by the caller).
  // kConflict (field "name") when another template has the name.
  virtual Result<RoomTemplate> create(const RoomTemplate& tpl) = 0;

  // Replaces every field but template_id and created_at. kNotFound, kConflict.
  virtual Result<RoomTemplate> update(const RoomTemplate& tpl) = 0;

  // kNotFound when unknown. Rooms created from it keep their template_id.
  virtual Result<void> remove(const std::string& template_id) = 0;
};

}  // namespace tr
