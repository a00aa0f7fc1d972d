#pragma once
// MemoryTemplateStore: the in-memory fake of TemplateStore. Starts with the
// same three templates as migration 003_rooms.sql, so the contract suite can
// hold both to the same expectations. Thread-safe (one mutex).

#include <algorithm>
#include <map>
#include <mutex>
#include <tuple>

#include "ports/template_store.hpp"

namespace tr {

class MemoryTemplateStore final : public TemplateStore {
 public:
  MemoryTemplateStore() {
    const EpochMs shipped = 1767225600000;  // as in 003_rooms.sql
    auto seed = [&](const char* id, const char* name, IncidentType type, Severity severity,
                    const char* description) {
      templates_[id] = RoomTemplate{id, name, type, severity, description, {}, shipped, shipped};
    };
    seed("tpl_equipment_failure", "設備故障", IncidentType::kEquipmentFailure, Severity::kHigh,
         "設備名稱／編號：\n故障現象：\n發生時間：\n影響範圍（停線／降速）：\n已採取措施：");
    seed("tpl_material_shortage", "缺料", IncidentType::kMaterialShortage, Severity::kMedium,
         "料號／品名：\n缺料數量：\n預計斷料時間：\n供應商／倉庫：\n影響工單：");
    seed("tpl_quality_issue", "品質異常", IncidentType::kQualityIssue, Severity::kHigh,
         "產品／料號／批號：\n不良現象：\n不良數量：\n發現站別：\n暫定處置（隔離／全檢）：");
  }

  // ports::TemplateStore
  Result<std::vector<RoomTemplate>> list() override {
    std::lock_guard lock(mu_);
    std::vector<RoomTemplate> out;
    for (const auto& [id, t] : templates_) out.push_back(t);
    std::sort(out.begin(), out.end(), [](const RoomTemplate& a, const RoomTemplate& b) {
      return std::tie(a.name, a.template_id) < std::tie(b.name, b.template_id);
    });
    return out;
  }

  Result<RoomTemplate> get(const std::string& template_id) override {
    std::lock_guard lock(mu_);
    auto it = templates_.find(template_id);
    if (it == templates_.end()) return unknown();
    return it->second;
  }

  Result<RoomTemplate> create(const RoomTemplate& tpl) override {
    std::lock_guard lock(mu_);
    if (templates_.count(tpl.template_id) || name_taken(tpl)) return taken();
    templates_[tpl.template_id] = tpl;
    return tpl;
  }

  Result<RoomTemplate> update(const RoomTemplate& tpl) override {
    std::lock_guard lock(mu_);
    auto it = templates_.find(tpl.template_id);
    if (it == templates_.end()) return unknown();
    if (name_taken(tpl)) return taken();
    RoomTemplate stored = tpl;
    stored.created_at = it->second.created_at;
    it->second = stored;
    return stored;
  }

  Result<void> remove(const std::string& template_id) override {
    std::lock_guard lock(mu_);
    if (templates_.erase(template_id) == 0) return unknown();
    return {};
  }

 private:
  static Error unknown() { return Error{ErrorCode::kNotFound, "no such template", "template_id"}; }
  static Error taken() {
    return Error{ErrorCode::kConflict, "another template has this name", "name"};
  }
  bool name_taken(const RoomTemplate& tpl) const {
    return std::any_of(templates_.begin(), templates_.end(), [&](const auto& kv) {
      return kv.second.name == tpl.name && kv.first != tpl.template_id;
    });
  }

  std::mutex mu_;
  std::map<std::string, RoomTemplate> templates_;  // guarded by mu_
};

}  // namespace tr
