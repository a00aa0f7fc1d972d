// Line-based JSON channel on stdin/stdout (see control.hpp).
#include "control.hpp"

#include <boost/asio/read_until.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <cstdlib>
#include <istream>
#include <unistd.h>

namespace wsload {

namespace json = boost::json;

void fatal(std::string_view what) {
  std::fflush(stdout);
  std::fprintf(stderr, "tr_wsload: error: %.*s\n", static_cast<int>(what.size()), what.data());
  std::fflush(stderr);
  std::_Exit(1);
}

void emit(const json::object& event) {
  const std::string line = json::serialize(event) + "\n";
  if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size() || std::fflush(stdout) != 0) {
    fatal("cannot write to stdout (orchestrator gone?)");
  }
}

Control::Control(boost::asio::io_context& io) : in_(io, ::dup(STDIN_FILENO)) {}

json::object Control::take_line(std::string_view what) {
  std::istream stream(&buffer_);
  std::string line;
  std::getline(stream, line);
  boost::system::error_code ec;
  json::value value = json::parse(line, ec);
  if (ec || !value.is_object()) {
    fatal("bad JSON in " + std::string(what) + " on stdin: " + line.substr(0, 200));
  }
  return std::move(value.as_object());
}

json::object Control::read_job() {
  boost::system::error_code ec;
  boost::asio::read_until(in_, buffer_, '\n', ec);
  if (ec) fatal("no job on stdin (" + ec.message() + ")");
  return take_line("the job");
}

void Control::await_command(std::string expected,
                            std::function<void(json::object)> handler) {
  boost::asio::async_read_until(
      in_, buffer_, '\n',
      [this, expected = std::move(expected), handler = std::move(handler)](
          boost::system::error_code ec, std::size_t) {
        if (ec) fatal("stdin closed while waiting for the '" + expected + "' command");
        json::object command = take_line("a command");
        const json::value* cmd = command.if_contains("cmd");
        if (cmd == nullptr || !cmd->is_string() || cmd->as_string() != expected) {
          fatal("expected the '" + expected + "' command, got " + json::serialize(command));
        }
        handler(std::move(command));
      });
}

}  // namespace wsload
