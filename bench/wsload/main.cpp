// tr_wsload: the load generator of the fan-out and throughput scenarios of
// bench/realtime.sh, driven by bench/ws/run.mjs. One single-threaded process
// holds many WebSocket connections to the server; the orchestrator sends it a
// job (the first JSON line on stdin, or --job FILE) and commands, and reads
// its events, one JSON line each, from stdout (protocol in scenario.hpp, job
// fields in job.hpp). Errors (connection refused, a failed upgrade or
// subscribe, the job's timeout_ms passing) end it with status 1 and a message
// on stderr.
//
//   tr_wsload [--job FILE] < commands
#include "control.hpp"
#include "job.hpp"
#include "scenario.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/parse.hpp>

#include <csignal>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

namespace asio = boost::asio;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

json::object job_from_file(const char* path) {
  std::ifstream in(path);
  if (!in) wsload::fatal(std::string("cannot read the job file ") + path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec || !value.is_object()) wsload::fatal(std::string("bad JSON in ") + path);
  return std::move(value.as_object());
}

wsload::Server resolve(asio::io_context& io, const wsload::Job& job) {
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  const auto results = resolver.resolve(job.host, std::to_string(job.port), ec);
  if (ec || results.empty()) wsload::fatal("cannot resolve " + job.host + ": " + ec.message());
  return wsload::Server{results.begin()->endpoint(), job.host + ":" + std::to_string(job.port)};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::puts("usage: tr_wsload [--job FILE]   (job as the first stdin line otherwise; see bench/wsload/job.hpp)");
    return 0;
  }
  if (argc != 1 && !(argc == 3 && std::strcmp(argv[1], "--job") == 0)) {
    wsload::fatal("usage: tr_wsload [--job FILE]");
  }
  std::signal(SIGPIPE, SIG_IGN);  // a vanished orchestrator shows up as a write error

  try {
    // One thread and no other thread touching the loop: no locking needed.
    asio::io_context io(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE);
    wsload::Control control(io);
    const json::object job_json = argc == 3 ? job_from_file(argv[2]) : control.read_job();
    const wsload::Job job = wsload::parse_job(job_json);
    const wsload::Server server = resolve(io, job);

    asio::steady_timer deadline(io, job.timeout);
    deadline.async_wait([&](boost::system::error_code ec) {
      if (!ec) {
        wsload::fatal("timed out: the " + job.mode + " job took longer than " +
                      std::to_string(job.timeout.count()) + " ms (timeout_ms)");
      }
    });

    const wsload::Context context{io, job, server, control};
    const std::shared_ptr<void> scenario =
        job.mode == "fanout" ? wsload::run_fanout(context) : wsload::run_throughput(context);
    io.run();
  } catch (const std::exception& e) {
    wsload::fatal(e.what());
  }
  return 0;
}
