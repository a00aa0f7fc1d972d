#include "core/flush_scope.hpp"

#include <atomic>
#include <utility>
#include <vector>

namespace tr {
namespace {

struct ThreadScopes {
  int depth = 0;
  std::uint64_t id = 0;  // of the outermost scope open
  std::vector<std::shared_ptr<Flushable>> deferred;
};

std::atomic<std::uint64_t> next_id{1};

thread_local ThreadScopes scopes;

constexpr std::size_t kFlushEvery = 64;  // see flush_if_many()

// Runs the deferred flushes; what they set off on this thread is not deferred.
void flush_deferred() {
  const int depth = std::exchange(scopes.depth, 0);
  const std::uint64_t id = scopes.id;
  auto deferred = std::exchange(scopes.deferred, {});
  for (auto& target : deferred) target->flush();
  // Keep the vector's storage for the next scope on this thread.
  deferred.clear();
  if (scopes.deferred.empty()) scopes.deferred = std::move(deferred);
  scopes.depth = depth;
  scopes.id = id;
}

}  // namespace

FlushScope::FlushScope() {
  if (scopes.depth++ == 0) scopes.id = next_id.fetch_add(1, std::memory_order_relaxed);
}

FlushScope::~FlushScope() {
  if (--scopes.depth > 0) return;
  flush_deferred();
  scopes.id = 0;
}

std::uint64_t FlushScope::current() { return scopes.depth > 0 ? scopes.id : 0; }

bool FlushScope::defer(std::shared_ptr<Flushable> target) {
  if (scopes.depth == 0) return false;
  scopes.deferred.push_back(std::move(target));
  return true;
}

void FlushScope::flush_if_many() {
  if (scopes.depth > 0 && scopes.deferred.size() >= kFlushEvery) flush_deferred();
}

}  // namespace tr
