// BuildAddUnit and ChooseDirectoryForPlan (unit_addition.h).
#include "duban/plan_import/unit_addition.h"

#include "duban/plan_import/unit_directory.h"

namespace duban::plan_import {

namespace {

std::string Listed(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : "、") + n;
  return out;
}

}  // namespace

Result<schemas::AddUnit> BuildAddUnit(const UnitAdditionRequest& req) {
  schemas::AddUnit out;
  out.reason = req.reason;
  out.name = req.name;
  const UnitDirectory* dir = req.directory;
  // No directory checks the name, so nothing stands between a typo and the record but the office's word.
  if (!dir && !req.accept_unknown)
    return Status::InvalidArgument("no unit directory matches this plan, so " + req.name +
                                   " cannot be checked: give the office's directory (--units FILE), or add the "
                                   "name as written once it is checked (--accept-unknown-unit; the API's "
                                   "accept_unknown)");
  if (!dir) return out;
  if (dir->IsGroup(req.name)) {
    const auto members = dir->Expand(req.name);
    return Status::InvalidArgument(req.name + " is a group in unit directory " + dir->id() + " (" +
                                   std::to_string(members.size()) + " units: " + Listed(members) +
                                   "): add its units one by one");
  }
  if (auto canonical = dir->Canonical(req.name)) {
    out.name = *canonical;
  } else if (!req.accept_unknown) {
    const auto near = dir->Suggest(req.name);
    return Status::InvalidArgument(req.name + " is not in unit directory " + dir->id() +
                                   (near.empty() ? std::string() : " (did you mean " + Listed(near) + "?)") +
                                   ": check the name, or add it as written (--accept-unknown-unit; the API's "
                                   "accept_unknown)");
  }
  // First the unit itself under the one the directory puts it below (a town
  // added to a plan that names its district: the district may then delegate
  // to it), then every unit below it. All of them, whatever the plan holds
  // already (decide records the ones that apply): a retry with the same
  // command id is then the same command.
  if (std::string parent = dir->ParentOf(out.name); !parent.empty())
    out.sub_units.push_back({out.name, std::move(parent)});
  for (auto& [name, parent] : dir->Descendants(out.name)) out.sub_units.push_back({std::move(name), std::move(parent)});
  return out;
}

std::optional<UnitDirectory> ChooseDirectoryForPlan(const schemas::PlanImported& meta) {
  const std::string head = meta.title + "\n" + meta.issuer + "\n" + meta.doc_number + "\n";
  return UnitDirectory::ChooseEmbedded(head);
}

}  // namespace duban::plan_import
