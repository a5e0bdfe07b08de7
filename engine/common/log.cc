#include "duban/log.h"

#include <spdlog/cfg/env.h>

#include <memory>
#include <string>

namespace duban::log {

namespace {

std::shared_ptr<spdlog::logger> Make(const std::string& name) {
  if (auto existing = spdlog::get(name)) return existing;
  const auto base = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>(name, base->sinks().begin(), base->sinks().end());
  // initialize_logger gives it the registry's level (or SPDLOG_LEVEL's for
  // this name) and registers it, so spdlog::set_level reaches it later.
  spdlog::initialize_logger(logger);
  return logger;
}

}  // namespace

// Each a function-local static: created once, on first use, thread-safely.
spdlog::logger& Core() {
  static const auto l = Make("core");
  return *l;
}
spdlog::logger& Kafka() {
  static const auto l = Make("kafka");
  return *l;
}
spdlog::logger& Server() {
  static const auto l = Make("server");
  return *l;
}
spdlog::logger& Cli() {
  static const auto l = Make("cli");
  return *l;
}
spdlog::logger& Reminders() {
  static const auto l = Make("reminders");
  return *l;
}
spdlog::logger& Bench() {
  static const auto l = Make("bench");
  return *l;
}

void LoadLevelsFromEnvironment() { spdlog::cfg::load_env_levels(); }

}  // namespace duban::log
