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
  bool flushing = false;          // flush_deferred() runs
  Flushable* last = nullptr;      // see flush_last()
};

std::atomic<std::uint64_t> next_id{1};

thread_local ThreadScopes scopes;

constexpr std::size_t kFlushEvery = 64;  // see flush_if_many()

// Runs the deferred flushes; what they set off on this thread is not deferred.
void flush_deferred() {
  const int depth = std::exchange(scopes.depth, 0);
  const std::uint64_t id = scopes.id;
  const bool flushing = std::exchange(scopes.flushing, true);
  auto deferred = std::exchange(scopes.deferred, {});
  for (auto& target : deferred) target->flush();
  while (Flushable* last = std::exchange(scopes.last, nullptr)) last->flush();
  scopes.flushing = flushing;
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

bool FlushScope::flush_last(Flushable& last) {
  if (!scopes.flushing) return false;
  if (scopes.last != nullptr && scopes.last != &last) {
    // Only one such target is known (SendBatch, one per thread): a second
    // one completes the first's work now rather than keep a list.
    std::exchange(scopes.last, nullptr)->flush();
  }
  scopes.last = &last;
  return true;
}

void FlushScope::flush_if_many() {
  if (scopes.depth > 0 && scopes.deferred.size() >= kFlushEvery) flush_deferred();
}

}  // namespace tr
