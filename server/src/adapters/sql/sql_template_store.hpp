#pragma once
// SqlTemplateStore: TemplateStore on the room_templates table (SQLite or
// PostgreSQL); default members are stored as JSON text.
// Thread-safe: each call borrows its own pooled session.

#include "adapters/sql/database.hpp"
#include "ports/template_store.hpp"

namespace tr::sql {

class SqlTemplateStore final : public TemplateStore {
 public:
  explicit SqlTemplateStore(Database& db) : db_(db) {}

  // ports::TemplateStore
  Result<std::vector<RoomTemplate>> list() override;
  Result<RoomTemplate> get(const std::string& template_id) override;
  Result<RoomTemplate> create(const RoomTemplate& tpl) override;
  Result<RoomTemplate> update(const RoomTemplate& tpl) override;
  Result<void> remove(const std::string& template_id) override;

 private:
  Database& db_;
};

}  // namespace tr::sql
