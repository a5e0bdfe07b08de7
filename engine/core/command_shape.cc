// Ids and names fit to be parts of keys (records.h): checked before a
// command reaches the domain, which should not have to know key layouts.
//
// Guarantee: a name that passes is not empty, at most 256 bytes, free of
// control characters (so of the NUL that separates key parts) and UTF-8.
#include "duban/terminal_text.h"
#include "duban/utf8.h"
#include "engine_impl.h"

namespace duban {

using namespace core;
using schemas::Command;

Status CheckName(const std::string& s, const char* what) {
  if (s.empty()) return Status::Rejected(reason::kInvalidArgument, std::string(what) + " must not be empty");
  if (s.size() > 256)
    return Status::Rejected(reason::kInvalidArgument, std::string(what) + " is longer than 256 bytes");
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f)
      return Status::Rejected(reason::kInvalidArgument, std::string(what) + " contains a control character");
  // Names must be UTF-8 (a GBK export is a common mistake).
  if (!utf8::IsValid(s))
    return Status::Rejected(reason::kInvalidArgument,
                            std::string(what) + " is not valid UTF-8 (was the file saved as GBK?)");
  // An id or name is read on pages and typed again: nothing in it may turn
  // the text around it or hide (plan b\u202ed could not be worked over HTTP).
  if (HasBidiControl(s) || HasInvisibleCharacter(s))
    return Status::Rejected(reason::kInvalidArgument,
                            std::string(what) + " holds an invisible or bidirectional control character");
  return Status::Ok();
}

// Shape checks that the domain should not have to make: ids and names that
// would break key layouts.
Status CheckCommandShape(const Command& c) {
  // The plan id first: a command id made from it (the CLI's) would be blamed for its flaw.
  if (auto st = CheckName(c.plan_id, "the plan id"); !st.ok()) return st;
  if (auto st = CheckName(c.command_id, "the command id"); !st.ok()) return st;
  if (c.plan_id[0] == '!') return Status::Rejected(reason::kInvalidArgument, "plan ids may not start with '!'");
  if (auto st = CheckName(c.actor.id, "the actor"); !st.ok()) return st;
  Status st;
  auto unit = [&](const std::string& u) {
    if (st.ok()) st = CheckName(u, "a unit name");
  };
  std::visit(
      [&](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, schemas::ImportPlan>) {
          // A plan's id is a path segment of the API (/api/v1/plans/{plan})
          // and of report file names: a client resolves "." and ".." away
          // and '/' splits it, so such a plan could not be read back.
          if (c.plan_id == "." || c.plan_id == ".." || c.plan_id.find_first_of("/\\") != std::string::npos ||
              !HasVisibleText(c.plan_id))
            st = Status::Rejected(reason::kInvalidArgument,
                                  "the plan id '" + c.plan_id +
                                      "' cannot name a plan: not blank, '.' or '..', and no slash or backslash");
          for (const auto& u : b.plan.units) unit(u);
        } else if constexpr (std::is_same_v<T, schemas::Reassign>) {
          unit(b.from_unit);
          unit(b.to_unit);
        } else if constexpr (std::is_same_v<T, schemas::StartReviewCycle> || std::is_same_v<T, schemas::SetDeadline> ||
                             std::is_same_v<T, schemas::AddNote>) {
          if (!b.unit.empty()) unit(b.unit);  // none: the whole plan, or the task
        } else if constexpr (std::is_same_v<T, schemas::ResolveReturn>) {
          unit(b.unit);
          if (!b.to_unit.empty()) unit(b.to_unit);  // none: the return is dropped
        } else if constexpr (requires { b.unit; }) {
          unit(b.unit);
        }
      },
      c.body);
  return st;
}

Status Engine::Impl::MayWrite(const std::string& command_id) const {
  if (opts.read_only) return Status::InvalidArgument("the store is open read-only");
  if (Status st = AnchorWriteAllowed(); !st.ok()) return st;
  return CheckName(command_id, "the command id");
}

}  // namespace duban
