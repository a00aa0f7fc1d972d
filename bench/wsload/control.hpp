// The channel to the orchestrator (bench/ws/run.mjs): one JSON object per
// line on stdin (the job, then commands such as {"cmd":"start"}), one JSON
// object per line on stdout (events such as {"event":"ready"}, the last one
// {"event":"result"}), and fatal errors on stderr with exit status 1.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/json/object.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace wsload {

// Prints "tr_wsload: error: WHAT" to stderr and exits with status 1.
[[noreturn]] void fatal(std::string_view what);

// Writes one event line to stdout and flushes it.
void emit(const boost::json::object& event);

class Control {
 public:
  explicit Control(boost::asio::io_context& io);

  // Blocks until the first line (the job) has arrived; exits on EOF or bad JSON.
  boost::json::object read_job();

  // Waits (asynchronously) for the next command line and checks that its
  // "cmd" is `expected`; exits on EOF, bad JSON or another command.
  void await_command(std::string expected, std::function<void(boost::json::object)> handler);

 private:
  boost::json::object take_line(std::string_view what);

  boost::asio::posix::stream_descriptor in_;
  boost::asio::streambuf buffer_;
};

}  // namespace wsload
