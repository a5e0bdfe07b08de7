// PlanNameOf (duban/plan_name.h).
#include "duban/plan_name.h"

#include <string_view>

namespace duban {

std::string PlanNameOf(const std::string& plan_title) {
  std::string_view t = plan_title;
  if (t.starts_with("关于")) t.remove_prefix(std::string_view("关于").size());
  // Only a cover letter (…的通知) sends the plan it names; any other title
  // may cite a document (贯彻落实《…》分工方案) and is the plan's own.
  if (!t.ends_with("的通知")) return std::string(t);
  t.remove_suffix(std::string_view("的通知").size());
  if (t.starts_with("印发")) t.remove_prefix(std::string_view("印发").size());
  const std::string_view open = "《", close = "》";
  // One document in 《》 is the plan; several (《A》和《B》) stay as written.
  if (t.starts_with(open) && t.ends_with(close) && t.size() > open.size() + close.size() &&
      t.find(open, open.size()) == std::string_view::npos)
    t = t.substr(open.size(), t.size() - open.size() - close.size());
  return std::string(t);
}

}  // namespace duban
