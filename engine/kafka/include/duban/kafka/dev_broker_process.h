// DevBrokerProcess: runs `duban dev-broker` as a child process and drives its
// control channel (stdin commands, one reply line each on stdout; see
// mock_cluster.h). Used by integration tests, fault tests and benchmarks so
// that the mock cluster never shares a process with the clients under test.
//
// The child is killed when this object is destroyed, and also (PDEATHSIG)
// when the parent dies, so a crashed test leaves no broker behind.
// Not thread-safe: one thread drives one DevBrokerProcess.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "duban/status.h"

namespace duban::kafka {

struct DevBrokerOptions {
  int brokers = 1;
  int partitions = 4;  // of the default topics (duban.commands, duban.events)
  // Extra topics as "NAME" or "NAME:PARTITIONS" (default: `partitions`).
  std::vector<std::string> topics;
  std::string bootstrap_file;    // passed as --bootstrap-file when set
  int reply_timeout_ms = 30000;  // guard against a hung child; not a performance bound
};

class DevBrokerProcess {
 public:
  // Starts `duban_exe dev-broker ...` and waits for its bootstrap line.
  static Result<std::unique_ptr<DevBrokerProcess>> Spawn(const std::string& duban_exe, const DevBrokerOptions& options);
  ~DevBrokerProcess();  // Stop()
  DevBrokerProcess(const DevBrokerProcess&) = delete;
  DevBrokerProcess& operator=(const DevBrokerProcess&) = delete;

  const std::string& bootstrap() const { return bootstrap_; }
  pid_t pid() const { return pid_; }

  // Sends one control line and waits for its reply; Ok on "ok".
  Status Command(const std::string& line);
  Status BrokerDown(int32_t broker_id) { return Command("down " + std::to_string(broker_id)); }
  Status BrokerUp(int32_t broker_id) { return Command("up " + std::to_string(broker_id)); }
  Status SetLeader(const std::string& topic, int32_t partition, int32_t broker_id) {
    return Command("leader " + topic + " " + std::to_string(partition) + " " + std::to_string(broker_id));
  }
  Status CreateTopic(const std::string& topic, int partitions) {
    return Command("create " + topic + " " + std::to_string(partitions));
  }

  // SIGTERM, then wait for exit. Idempotent.
  Status Stop();

  // `name` in the directory of the running executable (/proc/self/exe), e.g.
  // SiblingExecutable("duban") from duban-bench.
  static std::string SiblingExecutable(const std::string& name);

 private:
  DevBrokerProcess() = default;
  Result<std::string> ReadLine(int timeout_ms);
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  std::string buffer_;
  std::string bootstrap_;
  int reply_timeout_ms_ = 30000;
};

}  // namespace duban::kafka
