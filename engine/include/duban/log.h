// Named loggers, one per module, so that every line says which part of duban
// wrote it ("[kafka] [warning] ...") and an operator can turn one module up
// without drowning in the others: SPDLOG_LEVEL=kafka=debug,warn (read by the
// executables at start; spdlog's own syntax).
//
// Guarantees: each logger writes to the sinks of the default logger as it
// was when the module first logged (the executables set the default logger
// before anything logs), and follows spdlog::set_level like every registered
// logger. Safe to call from any thread.
#ifndef DUBAN_LOG_H_
#define DUBAN_LOG_H_

#include <spdlog/spdlog.h>

namespace duban::log {

spdlog::logger& Core();       // the store: open, close, compaction, maintenance
spdlog::logger& Kafka();      // Kafka mode: engine, producer, consumer, admin
spdlog::logger& Server();     // duban serve: HTTP, the embedded engine host
spdlog::logger& Cli();        // the duban command line
spdlog::logger& Reminders();  // the reminder consumer and its channels
spdlog::logger& Bench();      // duban-bench

// Applies SPDLOG_LEVEL from the environment (per-logger levels) on top of the
// level the executable chose; call after spdlog::set_level.
void LoadLevelsFromEnvironment();

}  // namespace duban::log

#endif  // DUBAN_LOG_H_
