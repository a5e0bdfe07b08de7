// The PostgreSQL baseline (bench_postgres.h): the cluster's lifetime, the
// tools run as an unprivileged user when we are root, and the pipelined SQL
// workload.
#include "bench_postgres.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "bench_plans.h"
#include "duban/coding.h"
#include "duban/schemas/codec.h"

#ifdef DUBAN_HAVE_LIBPQ
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#ifndef LIBPQ_HAS_PIPELINING
#error "the PostgreSQL baseline needs libpq 14 or newer (pipeline mode); CMake asks for libpq>=14"
#endif
#endif

namespace duban::bench {

namespace fs = std::filesystem;

namespace {

// A framed record's event type; 0 for one that does not decode.
uint16_t FramedType(const std::string& frame) {
  std::string_view payload;
  size_t consumed = 0;
  if (!UnframeRecord(frame, &payload, &consumed).ok()) return 0;
  const Result<schemas::EventHead> head = schemas::DecodeEventHead(payload);
  return head.ok() ? head->type : 0;
}

// `count` strings of `size` bytes cut from `all` (longer than `size`) at offsets `stride` apart.
std::vector<std::string> Cuts(const std::string& all, size_t count, size_t size, size_t stride) {
  std::vector<std::string> cuts;
  cuts.reserve(count);
  for (size_t k = 0; k < count; ++k) cuts.push_back(all.substr(k * stride % (all.size() - size), size));
  return cuts;
}

}  // namespace

PgWorkload BuildPgWorkload(uint64_t events, int plans, int tasks, int units, std::vector<std::string> framed_samples,
                           uint64_t body_bytes) {
  constexpr size_t kStateBytes = 150;
  PgWorkload w;
  if (framed_samples.empty()) framed_samples.emplace_back(kStateBytes, 'x');
  const size_t samples = framed_samples.size();
  std::vector<uint16_t> types;
  std::string all;
  for (const std::string& frame : framed_samples) {
    types.push_back(FramedType(frame));
    all += frame;
  }
  while (all.size() < 2 * std::max<uint64_t>(kStateBytes, body_bytes)) all += all;
  w.bodies = body_bytes == 0 ? std::move(framed_samples) : Cuts(all, samples, body_bytes, 131);
  w.states = Cuts(all, 101, kStateBytes, 37);
  for (int p = 0; p < plans; ++p) w.plans.push_back("plan-" + std::to_string(p));
  for (int u = 0; u < units; ++u) w.units.push_back(BenchUnit(u));
  std::vector<uint64_t> stream_seq(plans, 0);
  const uint64_t assignments = static_cast<uint64_t>(plans) * tasks * units;
  w.events.reserve(events);
  for (uint64_t i = 0; i < events; ++i) {
    // As BuildCommandStream's progress reports: assignment i of plan-major order.
    const uint64_t idx = i % assignments;
    const uint64_t p = idx / (static_cast<uint64_t>(tasks) * units), t = idx / units % tasks + 1, u = idx % units;
    const size_t sample = i % samples;
    w.events.push_back(PgEvent{&w.plans[p], &w.units[u], &w.bodies[sample], &w.states[i % w.states.size()],
                               ++stream_seq[p], static_cast<int32_t>(t), types[sample]});
  }
  return w;
}

#ifndef DUBAN_HAVE_LIBPQ

Status PostgresBaselineReady() {
  return Status::Unavailable(
      "postgres baseline: this duban-bench was built without libpq (libpq-dev 14 or newer was not found "
      "when the build was configured); install it (ops/install-deps.sh) and rerun cmake");
}

Result<PgResult> RunPostgresBaseline(const std::string&, const std::vector<PgEvent>&, int) {
  return PostgresBaselineReady();
}

#else

namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kPort = "5432";  // the socket's name; the folder is private, so no clash

// ---- finding and running the tools ----

struct PgTools {
  std::string bindir;  // holds initdb, pg_ctl and postgres
  bool drop = false;   // we are root: run them as `nobody`
  uid_t uid = 0;
  gid_t gid = 0;
};

bool HasServerTools(const fs::path& dir) {
  for (const char* tool : {"initdb", "pg_ctl", "postgres"})
    if (access((dir / tool).c_str(), X_OK) != 0) return false;
  return true;
}

// Debian installs the server under /usr/lib/postgresql/<major>/bin, outside
// PATH; `pg_config --bindir` names the client's folder, /usr/bin, instead.
std::string FindBinDir() {
  if (const char* env = std::getenv("DUBAN_PG_BIN"); env && *env) return env;
  std::error_code ec;
  int newest = -1;
  std::string found;
  for (fs::directory_iterator it("/usr/lib/postgresql", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    const int major = std::atoi(name.c_str());
    if (major > newest && HasServerTools(it->path() / "bin")) {
      newest = major;
      found = (it->path() / "bin").string();
    }
  }
  if (!found.empty()) return found;
  std::stringstream path(std::getenv("PATH") ? std::getenv("PATH") : "");
  for (std::string dir; std::getline(path, dir, ':');)
    if (!dir.empty() && HasServerTools(dir)) return dir;
  return "";
}

Result<PgTools> LocateTools() {
  PgTools t;
  t.bindir = FindBinDir();
  if (t.bindir.empty() || !HasServerTools(t.bindir))
    return Status::NotFound("postgres baseline: no PostgreSQL server binaries (initdb, pg_ctl, postgres) in " +
                            (std::getenv("DUBAN_PG_BIN") ? std::string("$DUBAN_PG_BIN")
                                                         : std::string("/usr/lib/postgresql/*/bin or PATH")) +
                            "; install Debian's postgresql (ops/install-deps.sh)");
  if (geteuid() == 0) {
    const passwd* pw = getpwnam("nobody");
    if (!pw)
      return Status::NotFound("postgres baseline: running as root, and there is no user nobody to run initdb as");
    t.drop = true;
    t.uid = pw->pw_uid;
    t.gid = pw->pw_gid;
  }
  return t;
}

[[noreturn]] void ChildFail(const char* what) {
  const char* msg = std::strerror(errno);
  [[maybe_unused]] ssize_t n = write(2, what, std::strlen(what));
  n = write(2, ": ", 2);
  n = write(2, msg, std::strlen(msg));
  n = write(2, "\n", 1);
  _exit(127);
}

// In the forked child: only async-signal-safe calls until exec.
[[noreturn]] void ExecTool(const PgTools& t, char* const* argv, const char* cwd, const char* log) {
  setpgid(0, 0);  // a Ctrl-C for duban-bench must not kill pg_ctl halfway: the bench stops the cluster itself
  const int in = open("/dev/null", O_RDONLY);
  const int out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) _exit(126);
  close_range(3, ~0U, 0);  // the server must not inherit the bench's files
  if (chdir(cwd) != 0) ChildFail("chdir to the cluster folder");
  if (t.drop && (setgroups(0, nullptr) != 0 || setgid(t.gid) != 0 || setuid(t.uid) != 0))
    ChildFail("cannot switch to user nobody");
  execv(argv[0], argv);
  ChildFail(argv[0]);
}

struct ToolRun {
  bool ok = false;
  std::string how;  // "exit 1", "killed by signal 9"
  std::string output;
};

std::string ReadText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Runs argv (argv[0] a full path) in `cwd` with its output in `log`.
ToolRun RunTool(const PgTools& t, const std::vector<std::string>& argv, const std::string& cwd,
                const std::string& log) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return {false, std::string("fork: ") + std::strerror(errno), ""};
  if (pid == 0) ExecTool(t, args.data(), cwd.c_str(), log.c_str());
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ToolRun r;
  r.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  r.how = WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                            : "killed by signal " + std::to_string(WTERMSIG(status));
  r.output = ReadText(log);
  return r;
}

// ---- Ctrl-C ----

volatile std::sig_atomic_t g_caught = 0;
void OnSignal(int sig) { g_caught = sig; }

// While it lives, SIGINT, SIGTERM and SIGHUP only set a flag the workload
// polls between transactions, so the cluster guard gets to stop the server
// (pg_ctl detaches the postmaster from our process group: the terminal's
// Ctrl-C never reaches it). A signal the caller ignores stays ignored.
class InterruptGuard {
 public:
  InterruptGuard() {
    g_caught = 0;
    struct sigaction sa {};
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < kCount; ++i) {
      sigaction(kSignals[i], nullptr, &old_[i]);
      if (old_[i].sa_handler != SIG_IGN) sigaction(kSignals[i], &sa, nullptr);
    }
  }
  ~InterruptGuard() {
    for (size_t i = 0; i < kCount; ++i) sigaction(kSignals[i], &old_[i], nullptr);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  static Status Check() {
    if (g_caught == 0) return Status::Ok();
    return Status::Unavailable(std::string("postgres baseline: interrupted (") + strsignal(g_caught) + ")");
  }

 private:
  static constexpr size_t kCount = 3;
  static constexpr int kSignals[kCount] = {SIGINT, SIGTERM, SIGHUP};
  struct sigaction old_[kCount] {};
};

// ---- the cluster ----

std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string Tail(const std::string& text, size_t max = 2000) {
  return text.size() <= max ? text : "..." + text.substr(text.size() - max);
}

// A throwaway cluster in a fresh folder; the destructor stops it and removes
// the folder, whatever happened before.
class Cluster {
 public:
  explicit Cluster(PgTools tools) : tools_(std::move(tools)) {}
  ~Cluster() {
    if (dir_.empty()) return;
    if (Status st = Stop(); !st.ok()) std::fprintf(stderr, "%s\n", st.ToString().c_str());
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  Status Start(const std::string& scratch);
  Status Stop();
  const std::string& socket_dir() const { return dir_; }

 private:
  Status Run(const std::string& step, const std::vector<std::string>& argv, const std::string& hint = "");
  std::string Tool(const char* name) const { return tools_.bindir + "/" + name; }
  std::string Data() const { return dir_ + "/data"; }

  PgTools tools_;
  std::string dir_;
};

Status Cluster::Run(const std::string& step, const std::vector<std::string>& argv, const std::string& hint) {
  const ToolRun r = RunTool(tools_, argv, dir_, dir_ + "/tool.out");
  if (r.ok) return Status::Ok();
  return Status::IOError("postgres baseline: " + step + " failed (" + r.how + ")" + hint + ":\n" + Tail(r.output));
}

Status Cluster::Start(const std::string& scratch) {
  std::string name = scratch + "/duban-pg-XXXXXX";
  if (!mkdtemp(name.data()))
    return Status::IOError("postgres baseline: cannot create a folder under " + scratch + ": " + std::strerror(errno));
  dir_ = name;
  const std::string socket = dir_ + "/.s.PGSQL." + kPort;
  if (socket.size() >= sizeof(sockaddr_un::sun_path))
    return Status::InvalidArgument("postgres baseline: the socket path " + socket + " is longer than a Unix socket's " +
                                   std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes; use a shorter --dir");
  if (tools_.drop && chown(dir_.c_str(), tools_.uid, tools_.gid) != 0)
    return Status::IOError("postgres baseline: cannot give " + dir_ + " to user nobody: " + std::strerror(errno));
  const std::string as_nobody = tools_.drop
                                    ? " (running as user nobody, since initdb refuses root: every folder above " +
                                          dir_ + " must be searchable by it)"
                                    : "";
  // --no-sync: the cluster is thrown away; the C locale compares text keys bytewise, as RocksDB does.
  if (Status st =
          Run("initdb",
              {Tool("initdb"), "-D", Data(), "-A", "trust", "-U", "duban", "--no-sync", "-E", "UTF8", "--no-locale"},
              as_nobody);
      !st.ok())
    return st;
  if (Status st = InterruptGuard::Check(); !st.ok()) return st;
  const std::string options = "-k " + ShellQuote(dir_) + " -p " + kPort +
                              " -c listen_addresses='' -c synchronous_commit=off -c shared_buffers=256MB";
  const std::string log = dir_ + "/server.log";
  if (Status st =
          Run("pg_ctl start", {Tool("pg_ctl"), "-D", Data(), "-l", log, "-w", "-t", "120", "-o", options, "start"});
      !st.ok())
    return Status::IOError(st.message() + "\nserver log:\n" + Tail(ReadText(log)));
  return InterruptGuard::Check();
}

// Idempotent: nothing to do once postmaster.pid is gone (or never came).
Status Cluster::Stop() {
  if (dir_.empty() || !fs::exists(Data() + "/postmaster.pid")) return Status::Ok();
  Status st = Run("pg_ctl stop", {Tool("pg_ctl"), "-D", Data(), "-m", "fast", "-w", "-t", "60", "stop"});
  if (st.ok()) return st;
  // pg_ctl could not do it: an immediate shutdown by hand.
  std::ifstream pid_file(Data() + "/postmaster.pid");
  long pid = 0;
  if (pid_file >> pid && pid > 1) kill(static_cast<pid_t>(pid), SIGQUIT);
  return Status::IOError(st.message() + "\n(sent SIGQUIT to the postmaster, pid " + std::to_string(pid) + ")");
}

// ---- the workload ----

using Conn = std::unique_ptr<PGconn, decltype(&PQfinish)>;

Status PgError(PGconn* c, const std::string& step) {
  return Status::IOError("postgres baseline: " + step + ": " + PQerrorMessage(c));
}

Status Exec(PGconn* c, const char* sql) {
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(c, sql), PQclear);
  const ExecStatusType s = PQresultStatus(r.get());
  if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) return Status::Ok();
  return Status::IOError(std::string("postgres baseline: ") + sql + ": " + PQresultErrorMessage(r.get()));
}

constexpr const char* kInsertEvent =
    "INSERT INTO events (pos, stream, stream_seq, type, body) VALUES ($1, $2, $3, $4, $5)";
constexpr const char* kUpsertState =
    "INSERT INTO assignments (plan, task, unit, state, version) VALUES ($1, $2, $3, $4, $5) "
    "ON CONFLICT (plan, task, unit) DO UPDATE SET state = excluded.state, version = excluded.version";

Result<Conn> ConnectAndPrepare(const Cluster& cluster) {
  const char* keys[] = {"host", "port", "user", "dbname", "application_name", nullptr};
  const char* values[] = {cluster.socket_dir().c_str(), kPort, "duban", "postgres", "duban-bench", nullptr};
  Conn c(PQconnectdbParams(keys, values, 0), PQfinish);
  if (PQstatus(c.get()) != CONNECTION_OK) return PgError(c.get(), "connect");
  for (const char* ddl :
       {"CREATE TABLE events (pos bigint PRIMARY KEY, stream text NOT NULL, stream_seq bigint NOT NULL, "
        "type smallint NOT NULL, body bytea NOT NULL, UNIQUE (stream, stream_seq))",
        "CREATE TABLE assignments (plan text, task int, unit text, state bytea NOT NULL, version bigint NOT NULL, "
        "PRIMARY KEY (plan, task, unit))"})
    if (Status st = Exec(c.get(), ddl); !st.ok()) return st;
  // Parameter types: int8 20, text 25, int2 21, bytea 17, int4 23.
  struct Statement {
    const char* name;
    const char* sql;
    Oid types[5];
  };
  static constexpr Statement kStatements[] = {{"event", kInsertEvent, {20, 25, 20, 21, 17}},
                                              {"state", kUpsertState, {25, 23, 25, 17, 20}}};
  for (const Statement& s : kStatements) {
    std::unique_ptr<PGresult, decltype(&PQclear)> r(PQprepare(c.get(), s.name, s.sql, 5, s.types), PQclear);
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
      return Status::IOError(std::string("postgres baseline: prepare ") + s.sql + ": " + PQresultErrorMessage(r.get()));
  }
  return c;
}

template <typename T>
void PutBigEndian(char* out, T v) {
  const auto u = static_cast<uint64_t>(v);
  for (size_t i = 0; i < sizeof(T); ++i) out[i] = static_cast<char>(u >> (8 * (sizeof(T) - 1 - i)));
}

// Queues the event's two statements (the event row, the assignment's upsert) in binary form.
bool SendEvent(PGconn* c, const PgEvent& e, uint64_t pos) {
  char pos_be[8], seq_be[8], type_be[2], task_be[4];
  PutBigEndian(pos_be, pos);
  PutBigEndian(seq_be, e.stream_seq);
  PutBigEndian(type_be, e.type);
  PutBigEndian(task_be, e.task);
  static constexpr int kBinary[] = {1, 1, 1, 1, 1};
  const char* event[] = {pos_be, e.plan->data(), seq_be, type_be, e.body->data()};
  const int event_len[] = {8, static_cast<int>(e.plan->size()), 8, 2, static_cast<int>(e.body->size())};
  const char* state[] = {e.plan->data(), task_be, e.unit->data(), e.state->data(), pos_be};
  const int state_len[] = {static_cast<int>(e.plan->size()), 4, static_cast<int>(e.unit->size()),
                           static_cast<int>(e.state->size()), 8};
  return PQsendQueryPrepared(c, "event", 5, event, event_len, kBinary, 0) == 1 &&
         PQsendQueryPrepared(c, "state", 5, state, state_len, kBinary, 0) == 1;
}

// Queues BEGIN, events [begin, end) and COMMIT, then a sync point (which flushes).
Status SendTransaction(PGconn* c, const std::vector<PgEvent>& events, size_t begin, size_t end) {
  if (PQsendQueryParams(c, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0) != 1) return PgError(c, "send BEGIN");
  for (size_t i = begin; i < end; ++i)
    if (!SendEvent(c, events[i], i + 1)) return PgError(c, "send event " + std::to_string(i + 1));
  if (PQsendQueryParams(c, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0) != 1 || PQpipelineSync(c) != 1)
    return PgError(c, "send COMMIT");
  return Status::Ok();
}

// Reads one transaction's `statements` results and its sync point; the first
// error wins (the statements after it come back as PGRES_PIPELINE_ABORTED).
Status ReadTransaction(PGconn* c, size_t statements) {
  Status first;
  for (size_t q = 0; q < statements; ++q) {
    PGresult* r = PQgetResult(c);
    if (!r) return PgError(c, "a result is missing");
    if (PQresultStatus(r) != PGRES_COMMAND_OK && first.ok())
      first = Status::IOError(
          std::string("postgres baseline: a statement failed: ") +
          (PQresultStatus(r) == PGRES_PIPELINE_ABORTED ? "skipped after an error" : PQresultErrorMessage(r)));
    PQclear(r);
    if (PGresult* extra = PQgetResult(c)) {  // each statement's results end with a null
      PQclear(extra);
      return Status::IOError("postgres baseline: a statement returned more than one result");
    }
  }
  PGresult* sync = PQgetResult(c);
  const bool synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  PQclear(sync);
  if (!synced && first.ok()) return PgError(c, "the pipeline's sync point is missing");
  return first;
}

// The timed part: every event, `per_txn` a transaction, one transaction's
// results read while the next is already on its way.
Result<double> TimeWorkload(PGconn* c, const std::vector<PgEvent>& events, size_t per_txn) {
  if (PQenterPipelineMode(c) != 1) return PgError(c, "enter pipeline mode");
  const auto t0 = Clock::now();
  size_t in_flight = 0;  // statements of the previous transaction (BEGIN and COMMIT included) not yet read
  for (size_t begin = 0; begin < events.size(); begin += per_txn) {
    if (Status st = InterruptGuard::Check(); !st.ok()) return st;
    const size_t end = std::min(events.size(), begin + per_txn);
    if (Status st = SendTransaction(c, events, begin, end); !st.ok()) return st;
    if (Status st = in_flight > 0 ? ReadTransaction(c, in_flight) : Status::Ok(); !st.ok()) return st;
    in_flight = 2 * (end - begin) + 2;
  }
  if (Status st = in_flight > 0 ? ReadTransaction(c, in_flight) : Status::Ok(); !st.ok()) return st;
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (PQexitPipelineMode(c) != 1) return PgError(c, "leave pipeline mode");
  return seconds;
}

Status CheckRowCount(PGconn* c, uint64_t expected) {
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(c, "SELECT count(*) FROM events"), PQclear);
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) return PgError(c, "count the events");
  const std::string got = PQgetvalue(r.get(), 0, 0);
  if (got == std::to_string(expected)) return Status::Ok();
  return Status::Corruption("postgres baseline: the events table has " + got + " rows, expected " +
                            std::to_string(expected));
}

}  // namespace

Status PostgresBaselineReady() { return LocateTools().status(); }

Result<PgResult> RunPostgresBaseline(const std::string& scratch, const std::vector<PgEvent>& events,
                                     int events_per_txn) {
  Result<PgTools> tools = LocateTools();
  if (!tools.ok()) return tools.status();
  InterruptGuard interrupts;  // outlives the cluster: a signal during the stop is still caught
  Cluster cluster(*tools);
  if (Status st = cluster.Start(scratch); !st.ok()) return st;
  Result<Conn> conn = ConnectAndPrepare(cluster);
  if (!conn.ok()) return conn.status();
  const size_t per_txn = static_cast<size_t>(std::max(1, events_per_txn));
  Result<double> seconds = TimeWorkload(conn->get(), events, per_txn);
  if (!seconds.ok()) return seconds.status();
  if (Status st = CheckRowCount(conn->get(), events.size()); !st.ok()) return st;
  PgResult r;
  r.events = events.size();
  r.seconds = *seconds;
  r.eps = r.events / r.seconds;
  const char* server_version = PQparameterStatus(conn->get(), "server_version");  // "15.18 (Debian ...)"
  const std::string version = server_version ? server_version : "?";
  r.settings = "PostgreSQL " + version.substr(0, version.find(' ')) +
               ", synchronous_commit=off (fsync on), shared_buffers=256MB, C locale, one connection, "
               "prepared binary statements in pipeline mode, " +
               std::to_string(per_txn) + " events per transaction";
  conn->reset();
  if (Status st = cluster.Stop(); !st.ok()) return st;
  return r;
}

#endif  // DUBAN_HAVE_LIBPQ

}  // namespace duban::bench
