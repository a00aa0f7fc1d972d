// Contract suite for TemplateStore: the fake, SQLite and PostgreSQL behave
// alike — the three shipped templates, create/get/update/remove, unique names.
#include <gtest/gtest.h>

#include "adapters/memory/memory_template_store.hpp"
#include "adapters/sql/sql_template_store.hpp"
#include "contract/test_database.hpp"
#include "core/ids.hpp"

namespace tr {
namespace {

using testing::Backend;

constexpr EpochMs kT0 = 1'760'000'000'000;

class TemplateStoreContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kMemory) {
      store_ = std::make_unique<MemoryTemplateStore>();
    } else {
      db_ = std::make_unique<testing::TestDatabase>(GetParam());
      store_ = std::make_unique<sql::SqlTemplateStore>(db_->db());
    }
  }

  RoomTemplate make(const std::string& name) {
    RoomTemplate t;
    t.template_id = new_id();
    t.name = name;
    t.incident_type = IncidentType::kQualityIssue;
    t.severity = Severity::kCritical;
    t.description = "客訴批號：";
    t.default_members = {{"qa.lead", Role::kEditor}, {"林主任", Role::kViewer}};
    t.created_at = t.updated_at = kT0;
    return t;
  }

  std::unique_ptr<testing::TestDatabase> db_;
  std::unique_ptr<TemplateStore> store_;
};

TEST_P(TemplateStoreContract, ThreeTemplatesShipWithZhTwNames) {
  auto list = store_->list();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 3u);
  std::map<std::string, RoomTemplate> by_id;
  for (const auto& t : *list) by_id[t.template_id] = t;
  EXPECT_EQ(by_id["tpl_equipment_failure"].name, "設備故障");
  EXPECT_EQ(by_id["tpl_equipment_failure"].incident_type, IncidentType::kEquipmentFailure);
  EXPECT_EQ(by_id["tpl_equipment_failure"].severity, Severity::kHigh);
  EXPECT_EQ(by_id["tpl_material_shortage"].name, "缺料");
  EXPECT_EQ(by_id["tpl_material_shortage"].incident_type, IncidentType::kMaterialShortage);
  EXPECT_EQ(by_id["tpl_quality_issue"].name, "品質異常");
  EXPECT_EQ(by_id["tpl_quality_issue"].incident_type, IncidentType::kQualityIssue);
  EXPECT_NE(by_id["tpl_quality_issue"].description.find("不良現象"), std::string::npos);
  EXPECT_TRUE(by_id["tpl_quality_issue"].default_members.empty());
}

TEST_P(TemplateStoreContract, CreateGetUpdateRemove) {
  RoomTemplate t = make("客訴處理");
  ASSERT_TRUE(store_->create(t));
  auto got = store_->get(t.template_id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->name, "客訴處理");
  EXPECT_EQ(got->severity, Severity::kCritical);
  ASSERT_EQ(got->default_members.size(), 2u);
  EXPECT_EQ(got->default_members[1].username, "林主任");
  EXPECT_EQ(got->default_members[1].role, Role::kViewer);
  EXPECT_EQ(store_->list().value().size(), 4u);

  RoomTemplate changed = *got;
  changed.name = "客訴處理 v2";
  changed.default_members.clear();
  changed.updated_at = kT0 + 1;
  changed.created_at = 0;  // ignored
  auto updated = store_->update(changed);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->created_at, kT0);
  EXPECT_EQ(store_->get(t.template_id).value().name, "客訴處理 v2");
  EXPECT_TRUE(store_->get(t.template_id).value().default_members.empty());

  ASSERT_TRUE(store_->remove(t.template_id));
  EXPECT_EQ(store_->get(t.template_id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->remove(t.template_id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->update(changed).error().code, ErrorCode::kNotFound);
}

TEST_P(TemplateStoreContract, NamesAreUnique) {
  auto dup = store_->create(make("設備故障"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict);
  EXPECT_EQ(dup.error().field, "name");
  RoomTemplate t = make("Other");
  ASSERT_TRUE(store_->create(t));
  t.name = "缺料";
  EXPECT_EQ(store_->update(t).error().code, ErrorCode::kConflict);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, TemplateStoreContract,
                         ::testing::ValuesIn(testing::all_backends()), testing::BackendName{});

}  // namespace
}  // namespace tr
