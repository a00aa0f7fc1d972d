// The fan-out scenario's steps (protocol in scenario.hpp): open the
// subscribers and the sender (either may be absent in one process), report
// ready, send on "start", report what was acked, and on "finish" wait for the
// last deliveries and report them.
#include "fanout_receivers.hpp"
#include "fanout_sender.hpp"
#include "scenario.hpp"

namespace wsload {

namespace json = boost::json;

namespace {

struct Fanout {
  std::shared_ptr<FanoutReceivers> receivers;
  std::shared_ptr<FanoutSender> sender;  // null when this process only receives
};

void await_commands(const Context& c, const std::shared_ptr<Fanout>& f) {
  c.control.await_command("start", [c, f](json::object) {
    if (f->sender) f->sender->run([](json::object sent) { emit(sent); });
    c.control.await_command("finish", [c, f](json::object command) {
      const json::value* acked = command.if_contains("acked");
      f->receivers->finish(acked && acked->is_array() ? acked->as_array() : json::array(),
                           [c](json::object result) {
                             emit(result);
                             c.io.stop();
                           });
    });
  });
}

}  // namespace

std::shared_ptr<void> run_fanout(const Context& context) {
  auto f = std::make_shared<Fanout>();
  f->receivers = std::make_shared<FanoutReceivers>(context);
  if (context.job.sender) f->sender = std::make_shared<FanoutSender>(context);
  f->receivers->open([context, f](double ms) {
    auto ready = [context, f, ms] {
      emit({{"event", "ready"},
            {"opened", f->receivers->size() + (f->sender ? 1 : 0)},
            {"failed", 0},
            {"ms", ms}});
      await_commands(context, f);
    };
    if (f->sender) f->sender->open(ready);
    else ready();
  });
  return f;
}

}  // namespace wsload
