// The ledger as files an office sends: xlsx (libxlsxwriter), csv (UTF-8 with
// a BOM, so Excel and WPS in China open it as UTF-8), json.
//
// The xlsx is the office's form: the title (plan + 工作台账) and the
// 填报单位（盖章）/ 填报日期 line above a frozen header row of Chinese column
// names; the section path and the task's own columns (序号, 工作任务, 牵头单位,
// 责任单位, 完成时限) merged down over the task's rows; the state cell coloured
// by the traffic light (light.h: red, yellow, green; done is green too);
// 填报人 / 联系方式（手机） at the foot. It prints on A4 landscape, one page
// wide, the title and header rows repeated on every page.
#pragma once

#include <string>
#include <vector>

#include "duban/reports/ledger.h"
#include "duban/status.h"

namespace duban::reports {

// The columns of every format, in order (the csv's and xlsx's header row).
const std::vector<std::string>& LedgerHeaders();

// The ledger as one JSON document: {plan, title, as_of, unit, headers, rows: [...]}.
std::string LedgerJson(const Ledger& ledger);
// The ledger as CSV: BOM, the header row, one line per row; CRLF line ends.
std::string LedgerCsv(const Ledger& ledger);
// Writes the xlsx to `path` (replaced). IOError naming the path on failure.
Status WriteLedgerXlsx(const Ledger& ledger, const std::string& path);

}  // namespace duban::reports
