// `duban serve --bootstrap` (Kafka mode) over real HTTP: the server sends each
// command to duban.commands, `duban engine` (a child process) decides it, and
// the server answers once its own read model, projected from duban.events,
// holds the outcome. Identity still decides (the actor of every event is the
// signed-in account); a repeated command id answers from the read model; with
// the engine gone a command is answered 503 and the same command id, sent
// again once an engine runs, gets its outcome.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "duban/accounts.h"
#include "duban/core/workflow_timer_policy.h"
#include "engine_test_support.h"

namespace duban::kafka::testing {
namespace {

using nlohmann::json;
constexpr const char* kPassword = "correct horse battery";
constexpr const char* kPlan = "shaoguan-2021";
constexpr const char* kUnit = "市司法局";

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    return 0;
  }
  const int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// `duban --data DIR serve --bootstrap ...` as a child process; output to DIR.log.
class ServeProcess {
 public:
  ServeProcess(const std::string& bootstrap, const std::string& data, int port) : data_(data), port_(port) {
    args_ = {DubanExe(),           "--data",  data,        "serve",
             "--bootstrap",        bootstrap, "--listen",  "127.0.0.1:" + std::to_string(port),
             "--kafka-timeout-ms", "15000",   "--threads", "8"};
  }
  ~ServeProcess() { Stop(SIGKILL); }
  void Start() {
    const std::string log_path = data_ + ".log";
    std::vector<char*> argv;
    for (auto& a : args_) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (FILE* log = std::fopen(log_path.c_str(), "a")) {
        dup2(fileno(log), 1);
        dup2(fileno(log), 2);
      }
      execv(DubanExe(), argv.data());
      _exit(127);
    }
  }
  // Waits until /healthz answers (the read model has caught up by then).
  bool Ready(int seconds) {
    httplib::Client c("127.0.0.1", port_);
    for (int i = 0; i < seconds * 10; ++i) {
      if (auto r = c.Get("/healthz"); r && r->status == 200) return true;
      int status = 0;
      if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  int Stop(int sig) {
    if (pid_ <= 0) return 0;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }
  std::string Log() const { return ReadFile(data_ + ".log"); }

 private:
  std::vector<std::string> args_;
  std::string data_;
  int port_;
  pid_t pid_ = -1;
};

// The server's accounts live in its own data directory (its read model).
void AddAccounts(const std::string& dir) {
  auto policy = WorkflowTimerPolicy::Default();
  ASSERT_TRUE(policy.ok());
  EngineOptions o;
  o.data_dir = dir;
  o.clock = SystemClock();
  auto e = Engine::Open(o, *policy);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  accounts::Accounts acc(**e, SystemClock());
  using R = accounts::AccountRole;
  for (const auto& [name, role, unit] : std::vector<std::tuple<std::string, R, std::string>>{
           {"office", R::kOffice, ""}, {"auditor", R::kAuditor, ""}, {"unit-a", R::kUnit, kUnit}}) {
    auto a = acc.Add({name, name, role, unit}, kPassword, accounts::ActorOfOperator());
    ASSERT_TRUE(a.ok()) << name << ": " << a.status().ToString();
  }
}

class ServeKafkaTest : public KafkaEngineTest {};

struct Http {
  int port;
  std::string token;
  std::pair<int, json> Send(const std::string& method, const std::string& path, const std::string& body = "",
                            const std::string& type = "application/json") {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(60, 0);
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    httplib::Result r = method == "GET" ? c.Get(path, h) : c.Post(path, h, body, type);
    if (!r) return {-1, json()};
    return {r->status, json::parse(r->body, nullptr, false)};
  }
  static Http SignIn(int port, const std::string& user) {
    Http anon{port, ""};
    auto [status, j] = anon.Send("POST", "/api/v1/session", json{{"user", user}, {"password", kPassword}}.dump());
    EXPECT_EQ(status, 200) << j.dump();
    return Http{port, j.is_object() && j.contains("token") ? j["token"].get<std::string>() : ""};
  }
};

json Cmd(const std::string& type, int32_t task, const std::string& id, json extra = json::object()) {
  json c = {{"type", type}, {"plan", kPlan}, {"task", task}, {"unit", kUnit}, {"command_id", id}};
  for (auto& [k, v] : extra.items()) c[k] = v;
  return c;
}

TEST_F(ServeKafkaTest, CommandsGoThroughKafkaAndTheServerAnswersFromItsReadModel) {
  const KafkaConfig cfg = EngineConfig();
  const std::string dir = TempDir("serve");
  AddAccounts(dir + "/serve");
  auto engine = std::make_unique<EngineProcess>(cfg.bootstrap, dir + "/engine");
  engine->Start();
  const int port = FreePort();
  ASSERT_GT(port, 0);
  ServeProcess serve(cfg.bootstrap, dir + "/serve", port);
  serve.Start();
  ASSERT_TRUE(serve.Ready(60)) << serve.Log();

  Http office = Http::SignIn(port, "office"), unit = Http::SignIn(port, "unit-a"),
       auditor = Http::SignIn(port, "auditor");
  const std::string plan_file = ReadFile(std::string(DUBAN_SOURCE_DIR) + "/workflows/plans/shaoguan-2021.txt");
  auto [imported, ij] = office.Send("POST", std::string("/api/v1/plans/import?id=") + kPlan, plan_file, "text/plain");
  ASSERT_EQ(imported, 200) << ij.dump().substr(0, 400) << serve.Log();

  // Read your writes: the import's outcome was answered from the read model.
  auto [listed, rows] = unit.Send("GET", std::string("/api/v1/assignments?plan=") + kPlan);
  ASSERT_EQ(listed, 200) << rows.dump();
  ASSERT_FALSE(rows.empty()) << "unit A's assignments are in the server's read model";
  const int32_t task = rows[0]["task"].get<int32_t>();

  auto [accepted, aj] = unit.Send("POST", "/api/v1/commands", Cmd("accept", task, "k-accept").dump());
  ASSERT_EQ(accepted, 200) << aj.dump() << serve.Log();
  ASSERT_EQ(aj["events"].size(), 1u);
  EXPECT_EQ(aj["events"][0]["actor"]["name"], "unit-a") << "the actor is the signed-in account";
  EXPECT_EQ(aj["events"][0]["actor"]["role"], "unit");
  EXPECT_FALSE(aj["duplicate"].get<bool>());
  auto [progressed, pj] = unit.Send("POST", "/api/v1/commands",
                                    Cmd("progress", task, "k-progress", {{"percent", 40}, {"text", "过半"}}).dump());
  ASSERT_EQ(progressed, 200) << pj.dump();
  auto [reread, rr] = unit.Send("GET", std::string("/api/v1/assignments?plan=") + kPlan);
  ASSERT_EQ(reread, 200);
  for (const auto& r : rr) {
    if (r["task"] == task) {
      EXPECT_EQ(r["percent"], 40) << r.dump();
    }
  }

  // The same command id again: its outcome, from the read model, nothing sent.
  auto [again, gj] = unit.Send("POST", "/api/v1/commands", Cmd("accept", task, "k-accept").dump());
  EXPECT_EQ(again, 200) << gj.dump();
  EXPECT_TRUE(gj["duplicate"].get<bool>());
  // The office's step, by a unit: refused from the identity alone (403).
  auto [forbidden, fj] = unit.Send("POST", "/api/v1/commands", Cmd("approve", task, "k-approve-by-unit").dump());
  EXPECT_EQ(forbidden, 403) << fj.dump();
  // Refused by the domain, decided by `duban engine`: 422 with its reason.
  auto [refused, rj] = unit.Send("POST", "/api/v1/commands", Cmd("accept", task, "k-accept-twice").dump());
  EXPECT_EQ(refused, 422) << rj.dump();
  EXPECT_EQ(rj["outcome"], "rejected");

  // A command id reused for another command: refused (409) before Kafka,
  // whether by the same account with another body or by another account.
  auto [same_id, sj] =
      unit.Send("POST", "/api/v1/commands", Cmd("return", task, "k-accept", {{"reason", "不是我们的"}}).dump());
  EXPECT_EQ(same_id, 409) << sj.dump();
  auto [theirs, tj] = office.Send(
      "POST", "/api/v1/commands",
      json{{"type", "cancel"}, {"plan", kPlan}, {"task", task}, {"reason", "撤销"}, {"command_id", "k-accept-twice"}}
          .dump());
  EXPECT_EQ(theirs, 409) << "another account reusing a rejected command's id: " << tj.dump();
  // Two different commands under one id straight into Kafka (another server,
  // a script): the engine refuses the second and keeps deciding (it used to
  // step down, so one sender could stop every plan).
  schemas::Command first, second;
  first.command_id = second.command_id = "k-raw-twice";
  first.plan_id = second.plan_id = kPlan;
  first.actor = second.actor = {kUnit, schemas::Role::kUnit, "script"};
  first.body = schemas::ReportProgress{task, kUnit, 45, "一", "", "", ""};
  second.body = schemas::ReportProgress{task, kUnit, 46, "二", "", "", ""};
  {
    auto producer = Producer::Create(cfg);
    ASSERT_TRUE(producer.ok());
    ASSERT_TRUE((*producer)->ProduceAsync(cfg.commands_topic, kPlan, CommandRecord(first)).get().ok());
    ASSERT_TRUE((*producer)->ProduceAsync(cfg.commands_topic, kPlan, CommandRecord(second)).get().ok());
  }
  auto [after, afj] = unit.Send("POST", "/api/v1/commands",
                                Cmd("progress", task, "k-after-raw", {{"percent", 50}, {"text", "继续"}}).dump());
  EXPECT_EQ(after, 200) << "the engine still decides: " << afj.dump() << serve.Log();

  // No engine: the command waits in Kafka; the request is answered 503 and
  // the same id, sent once an engine runs again, gets its outcome.
  EXPECT_EQ(engine->Kill(SIGTERM), 0);
  engine.reset();
  const json late = Cmd("progress", task, "k-late", {{"percent", 70}, {"text", "待引擎"}});
  auto [waited, wj] = unit.Send("POST", "/api/v1/commands", late.dump());
  EXPECT_EQ(waited, 503) << wj.dump();
  EXPECT_NE(wj.dump().find("duban engine"), std::string::npos) << wj.dump();
  engine = std::make_unique<EngineProcess>(cfg.bootstrap, dir + "/engine");
  engine->Start();
  auto [decided, dj] = unit.Send("POST", "/api/v1/commands", late.dump());
  EXPECT_EQ(decided, 200) << dj.dump() << serve.Log();
  ASSERT_EQ(dj["events"].size(), 1u) << dj.dump();
  EXPECT_EQ(dj["events"][0]["body"]["percent"], 70);

  auto [verified, vj] = auditor.Send("GET", "/api/v1/verify");
  EXPECT_EQ(verified, 200);
  EXPECT_TRUE(vj["ok"].get<bool>()) << vj.dump();
  EXPECT_EQ(serve.Stop(SIGTERM), 0) << serve.Log();
  EXPECT_EQ(engine->Kill(SIGTERM), 0);

  // The read model is Kafka's: served alone or ticked it would fork from it.
  for (const std::string& args :
       {std::string("serve --listen 127.0.0.1:") + std::to_string(FreePort()), std::string("tick")}) {
    const std::string cmd = std::string(DubanExe()) + " --data " + dir + "/serve " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    const int rc = pclose(p);
    EXPECT_NE(rc, 0) << args << ": " << out;
    EXPECT_NE(out.find("Kafka read model"), std::string::npos) << args << ": " << out;
  }
  std::filesystem::remove_all(dir);
}

// No broker at all (so not registered again for the real one).
TEST(ServeKafkaStartTest, AServerThatCannotReachKafkaSaysSoAndDoesNotStart) {
  const std::string dir = TempDir("serve-unreachable");
  AddAccounts(dir + "/serve");
  const int port = FreePort();
  ServeProcess serve("127.0.0.1:1", dir + "/serve", port);
  serve.Start();
  EXPECT_FALSE(serve.Ready(60));
  EXPECT_NE(serve.Log().find("cannot read duban.events"), std::string::npos) << serve.Log();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace duban::kafka::testing
