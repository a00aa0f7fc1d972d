#pragma once
// StatementCache: the prepared statements of one pooled connection, kept for
// reuse so that a hot query is parsed and planned once per connection, not on
// every call (SQLite re-parses; PostgreSQL would PREPARE and DEALLOCATE).
//
// A cached statement is bound, by reference, to a `Slots` value that lives
// beside it: callers write the parameters into the slots, execute, and read
// each fetched row out of them. Slots is any default-constructible struct;
// `bind` (called once, when the statement is first prepared) exchanges its
// members with soci::use / soci::into. The same SQL text must always come
// with the same Slots type and binding (the key is the type and the text).
//
// A Prepared handle is used by one thread at a time (the pool lends the
// connection to one thread), and one statement is not borrowed twice at once.
// Several different statements may be out together: when the cache is full,
// only statements no handle holds are dropped. When the handle goes away the statement is reset
// (SQLite: ends its implicit read transaction, so an idle cached statement
// never pins an old snapshot); if it goes away during an exception the entry
// is dropped and prepared again next time.

#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>
#include <unordered_map>
#include <utility>

#include <soci/soci.h>

namespace tr::sql {

class StatementCache;

namespace detail {

struct CachedStatementBase {
  explicit CachedStatementBase(soci::session& s) : statement(s) {}
  virtual ~CachedStatementBase() = default;
  soci::statement statement;
  bool in_use = false;  // a Prepared handle holds it: never evicted meanwhile
};

struct NoSlots {};

template <class Slots>
struct SlotsHolder {
  Slots slots;
};

// The slots base comes first: built before the statement binds to it, and
// destroyed after the statement lets go of it.
template <class Slots>
struct CachedStatement final : SlotsHolder<Slots>, CachedStatementBase {
  explicit CachedStatement(soci::session& s) : CachedStatementBase(s) {}
};

}  // namespace detail

// A borrowed cached statement and its slots.
template <class Slots>
class Prepared {
 public:
  Prepared(StatementCache& cache, std::string key, detail::CachedStatement<Slots>& entry)
      : cache_(cache), key_(std::move(key)), entry_(entry),
        exceptions_(std::uncaught_exceptions()) {}
  Prepared(const Prepared&) = delete;
  Prepared& operator=(const Prepared&) = delete;
  ~Prepared();

  Slots& slots() { return entry_.slots; }
  Slots* operator->() { return &entry_.slots; }
  // Runs the statement; for a query the first row is then in the slots, and
  // the result tells whether there was one. (Always with data exchange: SOCI's
  // SQLite backend does not even step a statement executed without it.)
  bool execute() { return entry_.statement.execute(true); }
  // The next row into the slots; false after the last.
  bool fetch() { return entry_.statement.fetch(); }
  bool got_data() const { return entry_.statement.got_data(); }
  long long affected_rows() { return entry_.statement.get_affected_rows(); }

 private:
  StatementCache& cache_;
  std::string key_;
  detail::CachedStatement<Slots>& entry_;
  int exceptions_;
};

class StatementCache {
 public:
  StatementCache(soci::session& session, bool sqlite) : session_(session), sqlite_(sqlite) {}
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  // The statement for `sql`, prepared (and bound with `bind(statement, slots)`)
  // on first use.
  template <class Slots, class Bind>
  Prepared<Slots> get(std::string_view sql, Bind&& bind) {
    std::string key = typeid(Slots).name();
    key.push_back('\n');
    key.append(sql);
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      if (entries_.size() >= kCapacity) evict_idle();
      auto entry = std::make_unique<detail::CachedStatement<Slots>>(session_);
      bind(entry->statement, entry->slots);
      entry->statement.alloc();
      entry->statement.prepare(std::string(sql));
      entry->statement.define_and_bind();
      it = entries_.emplace(key, std::move(entry)).first;
    }
    auto& entry = static_cast<detail::CachedStatement<Slots>&>(*it->second);
    entry.in_use = true;
    return Prepared<Slots>(*this, std::move(key), entry);
  }

  // Runs a cached statement without parameters or results (BEGIN, COMMIT).
  void run(std::string_view sql) {
    auto q = get<detail::NoSlots>(sql, [](soci::statement&, detail::NoSlots&) {});
    q.execute();
  }

  std::size_t size() const { return entries_.size(); }

 private:
  template <class>
  friend class Prepared;
  static constexpr std::size_t kCapacity = 256;  // distinct statements per connection

  // After a use: resets the statement; forgets it when the use threw.
  void release(const std::string& key, detail::CachedStatementBase& entry, bool failed) noexcept;
  // Drops every statement no handle holds (the cache is full).
  void evict_idle();

  soci::session& session_;
  bool sqlite_;
  std::unordered_map<std::string, std::unique_ptr<detail::CachedStatementBase>> entries_;
};

template <class Slots>
Prepared<Slots>::~Prepared() {
  cache_.release(key_, entry_, std::uncaught_exceptions() > exceptions_);
}

}  // namespace tr::sql
