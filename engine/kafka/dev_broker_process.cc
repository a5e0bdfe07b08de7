// DevBrokerProcess: see duban/kafka/dev_broker_process.h.
#include "duban/kafka/dev_broker_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pthread.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>

namespace duban::kafka {

std::string DevBrokerProcess::SiblingExecutable(const std::string& name) {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return name;
  std::string self(buf, static_cast<size_t>(n));
  auto slash = self.rfind('/');
  return slash == std::string::npos ? name : self.substr(0, slash + 1) + name;
}

Result<std::unique_ptr<DevBrokerProcess>> DevBrokerProcess::Spawn(const std::string& duban_exe,
                                                                  const DevBrokerOptions& options) {
  if (access(duban_exe.c_str(), X_OK) != 0) return Status::NotFound("dev broker executable not found: " + duban_exe);
  std::vector<std::string> args = {duban_exe,      "dev-broker",
                                   "--brokers",    std::to_string(options.brokers),
                                   "--partitions", std::to_string(options.partitions)};
  for (auto& t : options.topics) {
    args.push_back("--topic");
    args.push_back(t);
  }
  if (!options.bootstrap_file.empty()) {
    args.push_back("--bootstrap-file");
    args.push_back(options.bootstrap_file);
  }
  int in_pipe[2], out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) return Status::IOError(std::string("pipe: ") + strerror(errno));
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    close(in_pipe[0]);
    close(in_pipe[1]);
    return Status::IOError(std::string("pipe: ") + strerror(errno));
  }
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return Status::IOError(std::string("fork: ") + strerror(errno));
  if (pid == 0) {
    // Child: die with the parent, stdin/stdout are the control channel.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  std::unique_ptr<DevBrokerProcess> self(new DevBrokerProcess());
  self->pid_ = pid;
  self->to_child_ = in_pipe[1];
  self->from_child_ = out_pipe[0];
  self->reply_timeout_ms_ = options.reply_timeout_ms;
  auto line = self->ReadLine(options.reply_timeout_ms);
  if (!line.ok()) return Status::Unavailable("dev broker did not start: " + line.status().message());
  if (line->empty() || line->find(':') == std::string::npos)
    return Status::Unavailable("dev broker printed no bootstrap servers: '" + *line + "'");
  self->bootstrap_ = *line;
  return self;
}

Result<std::string> DevBrokerProcess::ReadLine(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Status::Unavailable("no reply from dev broker");
    pollfd pfd{from_child_, POLLIN, 0};
    int r = poll(&pfd, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char buf[4096];
    ssize_t n = read(from_child_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::Unavailable("dev broker exited");
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

Status DevBrokerProcess::Command(const std::string& line) {
  if (pid_ < 0) return Status::Unavailable("dev broker is stopped");
  std::string out = line + "\n";
  // A dead child would raise SIGPIPE and kill the caller: block it for this
  // thread around the write and swallow a pending one, so EPIPE comes back.
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  const char* p = out.data();
  size_t left = out.size();
  int write_errno = 0;
  while (left > 0) {
    ssize_t n = write(to_child_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      write_errno = errno;
      break;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (write_errno == EPIPE) {
    timespec zero{0, 0};
    sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  if (write_errno) return Status::Unavailable(std::string("dev broker control: ") + strerror(write_errno));
  auto reply = ReadLine(reply_timeout_ms_);
  if (!reply.ok()) return reply.status();
  if (*reply == "ok") return Status::Ok();
  return Status::IOError("dev broker: " + *reply);
}

Status DevBrokerProcess::Stop() {
  if (pid_ < 0) return Status::Ok();
  kill(pid_, SIGTERM);
  int wstatus = 0;
  while (waitpid(pid_, &wstatus, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  close(to_child_);
  close(from_child_);
  to_child_ = from_child_ = -1;
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return Status::Ok();
  if (WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGTERM) return Status::Ok();
  return Status::IOError("dev broker exited with status " + std::to_string(wstatus));
}

DevBrokerProcess::~DevBrokerProcess() { (void)Stop(); }

}  // namespace duban::kafka
