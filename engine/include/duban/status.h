// Status and Result: how every module reports an expected failure (a rejected
// command, a missing record, corrupt bytes) to its caller. Exceptions are kept
// for bugs and startup misconfiguration; anything a user or a disk can cause
// travels as a value the caller must look at.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace duban {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kRejected,  // a command was refused by the domain rules
    kNotFound,
    kCorruption,       // bytes failed a length, checksum or decode check
    kInvalidArgument,  // malformed input from a user or a file
    kIOError,
    kUnavailable,  // a broker or peer could not be reached in time
    kConflict,     // a command id already known for another command (or actor): HTTP 409
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status Rejected(std::string reason, std::string msg) {
    return Status(Code::kRejected, std::move(msg), std::move(reason));
  }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status InvalidArgument(std::string msg) { return Status(Code::kInvalidArgument, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status Unavailable(std::string msg) { return Status(Code::kUnavailable, std::move(msg)); }
  static Status Conflict(std::string msg) { return Status(Code::kConflict, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  // Stable machine-readable reason (e.g. "not_assignee") for rejections; empty otherwise.
  const std::string& reason() const { return reason_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  Status(Code c, std::string msg, std::string reason = {})
      : code_(c), message_(std::move(msg)), reason_(std::move(reason)) {}
  Code code_ = Code::kOk;
  std::string message_;
  std::string reason_;
};

// Either a value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "Result built from an ok Status");
  }
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace duban
