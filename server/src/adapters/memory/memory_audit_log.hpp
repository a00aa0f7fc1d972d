#pragma once
// MemoryAuditLog: in-memory fake of AuditLog. Thread-safe.

#include <mutex>
#include <vector>

#include "ports/audit_log.hpp"

namespace tr {

class MemoryAuditLog final : public AuditLog {
 public:
  // ports::AuditLog
  void append(AuditEntry entry) override {
    std::lock_guard lock(mu_);
    entries_.push_back(std::move(entry));
  }
  Result<AuditPage> list(const AuditQuery& q) override {
    std::lock_guard lock(mu_);
    AuditPage page;
    std::vector<AuditEntry> matching;
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
      if (!q.action.empty() && it->action != q.action) continue;
      if (!q.user.empty() && it->user_id != q.user && it->username != q.user) continue;
      matching.push_back(*it);
    }
    page.total = static_cast<std::int64_t>(matching.size());
    for (std::size_t i = q.offset; i < matching.size() && page.items.size() < static_cast<std::size_t>(q.limit); ++i) {
      page.items.push_back(matching[i]);
    }
    return page;
  }
  // Test helper: every entry, oldest first.
  std::vector<AuditEntry> entries() {
    std::lock_guard lock(mu_);
    return entries_;
  }

 private:
  std::mutex mu_;
  std::vector<AuditEntry> entries_;  // guarded by mu_
};

}  // namespace tr
