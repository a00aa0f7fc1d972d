#include "core/flush_scope.hpp"

#include <utility>
#include <vector>

namespace tr {
namespace {

struct ThreadScopes {
  int depth = 0;
  std::vector<std::shared_ptr<Flushable>> deferred;
};

thread_local ThreadScopes scopes;

constexpr std::size_t kFlushEvery = 64;  // see flush_if_many()

// Runs the deferred flushes; what they set off on this thread is not deferred.
void flush_deferred() {
  const int depth = std::exchange(scopes.depth, 0);
  auto deferred = std::exchange(scopes.deferred, {});
  for (auto& target : deferred) target->flush();
  // Keep the vector's storage for the next scope on this thread.
  deferred.clear();
  if (scopes.deferred.empty()) scopes.deferred = std::move(deferred);
  scopes.depth = depth;
}

}  // namespace

FlushScope::FlushScope() { ++scopes.depth; }

FlushScope::~FlushScope() {
  if (--scopes.depth == 0) flush_deferred();
}

bool FlushScope::open_here() { return scopes.depth > 0; }

bool FlushScope::defer(std::shared_ptr<Flushable> target) {
  if (scopes.depth == 0) return false;
  scopes.deferred.push_back(std::move(target));
  return true;
}

void FlushScope::flush_if_many() {
  if (scopes.depth > 0 && scopes.deferred.size() >= kFlushEvery) flush_deferred();
}

}  // namespace tr
