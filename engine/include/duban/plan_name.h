// A plan's name as titles and messages quote it. Offices often import the
// cover letter that sends the plan, whose title is the letter's:
// "关于印发《韶关市2021年…分工方案》的通知". A report titled around it
// ("关于…落实情况的通报") or a message naming the plan ("…分工方案 第7项任务")
// must quote the plan, not say 关于 and 的通知 twice.
#pragma once

#include <string>

namespace duban {

// The title without a leading 关于; a cover letter's (…的通知) also without
// 印发 and 的通知, and the one document it sends without its 《》. Any other
// title is kept: it may cite a document (贯彻落实《X》分工方案) that is not
// the plan. Total: any text in, "" for "".
std::string PlanNameOf(const std::string& plan_title);

}  // namespace duban
