#include "core/flush_scope.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace tr {
namespace {

struct Recorder final : Flushable {
  Recorder(std::vector<std::string>& log, std::string name) : log(log), name(std::move(name)) {}
  void flush() noexcept override {
    log.push_back(name);
    if (on_flush) on_flush();
  }
  std::vector<std::string>& log;
  std::string name;
  std::function<void()> on_flush;
};

TEST(FlushScope, WithoutAScopeNothingIsDeferred) {
  std::vector<std::string> log;
  EXPECT_EQ(FlushScope::current(), 0u);
  EXPECT_FALSE(FlushScope::defer(std::make_shared<Recorder>(log, "a")));
  EXPECT_TRUE(log.empty());
}

TEST(FlushScope, TheOutermostScopeFlushesInTheOrderDeferred) {
  std::vector<std::string> log;
  {
    FlushScope outer;
    EXPECT_TRUE(FlushScope::defer(std::make_shared<Recorder>(log, "a")));
    {
      FlushScope inner;
      EXPECT_TRUE(FlushScope::defer(std::make_shared<Recorder>(log, "b")));
    }
    EXPECT_TRUE(log.empty()) << "an inner scope does not flush";
    EXPECT_TRUE(FlushScope::defer(std::make_shared<Recorder>(log, "c")));
  }
  EXPECT_EQ(log, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(FlushScope::current(), 0u);
}

TEST(FlushScope, WhatAFlushSetsOffIsNotDeferredAgain) {
  std::vector<std::string> log;
  auto first = std::make_shared<Recorder>(log, "first");
  bool deferred_during_flush = true;
  first->on_flush = [&] {
    EXPECT_EQ(FlushScope::current(), 0u);
    deferred_during_flush = FlushScope::defer(std::make_shared<Recorder>(log, "late"));
  };
  {
    FlushScope scope;
    FlushScope::defer(first);
  }
  EXPECT_FALSE(deferred_during_flush);  // the caller does its work itself instead
  EXPECT_EQ(log, (std::vector<std::string>{"first"}));
  // The thread's scopes still work afterwards.
  {
    FlushScope scope;
    FlushScope::defer(std::make_shared<Recorder>(log, "next"));
  }
  EXPECT_EQ(log.back(), "next");
}

TEST(FlushScope, FlushIfManyFlushesEarlyOnlyPastItsThreshold) {
  std::vector<std::string> log;
  FlushScope scope;
  for (int i = 0; i < 63; ++i) FlushScope::defer(std::make_shared<Recorder>(log, "x"));
  FlushScope::flush_if_many();
  EXPECT_TRUE(log.empty());
  FlushScope::defer(std::make_shared<Recorder>(log, "x"));
  FlushScope::flush_if_many();
  EXPECT_EQ(log.size(), 64u);
  EXPECT_NE(FlushScope::current(), 0u) << "the scope stays open";
  FlushScope::defer(std::make_shared<Recorder>(log, "after"));
  FlushScope::flush_if_many();
  EXPECT_EQ(log.size(), 64u);
}

TEST(FlushScope, EachOutermostScopeHasANumberOfItsOwn) {
  std::uint64_t first = 0;
  {
    FlushScope outer;
    first = FlushScope::current();
    EXPECT_NE(first, 0u);
    FlushScope inner;
    EXPECT_EQ(FlushScope::current(), first) << "a nested scope is part of the outer one";
  }
  FlushScope again;
  EXPECT_NE(FlushScope::current(), 0u);
  EXPECT_NE(FlushScope::current(), first);
  std::uint64_t other_thread = 0;
  std::thread([&] {
    FlushScope theirs;
    other_thread = FlushScope::current();
  }).join();
  EXPECT_NE(other_thread, 0u);
  EXPECT_NE(other_thread, FlushScope::current());
}

TEST(FlushScope, ScopesAreOfTheirOwnThread) {
  std::vector<std::string> log;
  FlushScope scope;
  std::uint64_t elsewhere = 1;
  std::thread([&] { elsewhere = FlushScope::current(); }).join();
  EXPECT_EQ(elsewhere, 0u);
}

TEST(FlushScope, FlushLastRunsOnceAfterEveryTargetOfTheFlush) {
  std::vector<std::string> log;
  Recorder last(log, "last");
  EXPECT_FALSE(FlushScope::flush_last(last)) << "no flush runs";
  EXPECT_TRUE(log.empty());
  std::vector<bool> asked;
  auto make = [&](const std::string& name) {
    auto r = std::make_shared<Recorder>(log, name);
    r->on_flush = [&] { asked.push_back(FlushScope::flush_last(last)); };
    return r;
  };
  {
    FlushScope scope;
    FlushScope::defer(make("a"));
    FlushScope::defer(make("b"));
  }
  EXPECT_EQ(asked, (std::vector<bool>{true, true}));
  EXPECT_EQ(log, (std::vector<std::string>{"a", "b", "last"}));
  EXPECT_FALSE(FlushScope::flush_last(last)) << "the flush is over";
}

}  // namespace
}  // namespace tr
