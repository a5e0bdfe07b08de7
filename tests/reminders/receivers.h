// Real receivers for the channel tests, on 127.0.0.1 and started by the test
// itself: an SMTP server (aiosmtpd in a child /usr/bin/python3, recording
// each message as Python's email package reads it) and a group-robot HTTP
// receiver (cpp-httplib) that records each request and answers with the
// errcode the test sets, as 企业微信 / 钉钉 do.
#pragma once

#include <httplib.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace duban::consumers::testing {

// A port free on 127.0.0.1 now (bound and released).
inline int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

class SmtpReceiver {
 public:
  // Starts tests/reminders/smtp_receiver.py; out is its JSONL record file.
  explicit SmtpReceiver(const std::string& out) : out_(out), port_(FreeLoopbackPort()) {
    std::filesystem::remove(out_);
    std::filesystem::remove(out_ + ".ready");
    pid_ = ::fork();
    if (pid_ == 0) {
      const std::string script = std::string(DUBAN_SOURCE_DIR) + "/tests/reminders/smtp_receiver.py";
      const std::string port = std::to_string(port_);
      ::execl("/usr/bin/python3", "/usr/bin/python3", script.c_str(), port.c_str(), out_.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!std::filesystem::exists(out_ + ".ready") && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ~SmtpReceiver() { Stop(); }
  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  bool ready() const { return std::filesystem::exists(out_ + ".ready"); }
  int port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  std::vector<nlohmann::json> messages() const {
    std::ifstream in(out_);
    std::vector<nlohmann::json> out;
    for (std::string l; std::getline(in, l);)
      if (!l.empty()) out.push_back(nlohmann::json::parse(l));
    return out;
  }

 private:
  std::string out_;
  int port_;
  pid_t pid_ = -1;
};

// Records every POST (path with query, body) and answers HTTP 200 with
// {"errcode": N}: N taken from the queue Fail() filled, else 0. Requests whose
// target or body contain the Refuse() text always get its code.
class RobotReceiver {
 public:
  struct Request {
    std::string path;  // with the query
    std::map<std::string, std::string> params;
    nlohmann::json body;
    std::string authorization;  // the Authorization header, if any
  };
  RobotReceiver() {
    server_.Post(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
      if (delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_.load()));
      std::lock_guard<std::mutex> lock(mu_);
      Request r;
      r.path = req.target;
      for (const auto& [k, v] : req.params) r.params[k] = v;
      r.body = nlohmann::json::parse(req.body, nullptr, false);
      r.authorization = req.get_header_value("Authorization");
      requests_.push_back(r);
      int code = 0;
      if (!refuse_text_.empty() && (req.target + req.body).find(refuse_text_) != std::string::npos) {
        code = refuse_code_;
      } else if (!codes_.empty()) {
        code = codes_.front();
        codes_.pop_front();
      }
      if (code == 0) ++accepted_;
      res.set_content(nlohmann::json{{"errcode", code}, {"errmsg", code == 0 ? "ok" : "refused by test"}}.dump(),
                      "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~RobotReceiver() {
    server_.stop();
    thread_.join();
  }
  // Each answer waits this long first (a slow remote server).
  void Delay(int ms) { delay_ms_ = ms; }
  // The next requests get these errcodes, in order.
  void Fail(std::vector<int> codes) {
    std::lock_guard<std::mutex> lock(mu_);
    codes_.insert(codes_.end(), codes.begin(), codes.end());
  }
  // Every request whose target or body contains `text` gets `code` (0: stop refusing).
  void Refuse(const std::string& text, int code) {
    std::lock_guard<std::mutex> lock(mu_);
    refuse_text_ = code == 0 ? "" : text;
    refuse_code_ = code;
  }
  std::vector<Request> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  int accepted() const {
    std::lock_guard<std::mutex> lock(mu_);
    return accepted_;
  }
  std::string url(const std::string& path_and_query) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path_and_query;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<Request> requests_;
  std::deque<int> codes_;
  std::string refuse_text_;
  int refuse_code_ = 0;
  int accepted_ = 0;
  std::atomic<int> delay_ms_{0};
};

}  // namespace duban::consumers::testing
