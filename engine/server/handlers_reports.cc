// The office's paperwork as downloads (GET /api/v1/reports/{ledger,
// scorecard,bulletin}): the same files `duban report` writes (engine/reports),
// computed from the record as of a date, so a file fetched from the workbench
// equals the one the CLI prints for that date.
//
// The date defaults to today (China time) and may not be later: a report of
// a day that has not come would count overdue days that have not happened.
// A unit may fetch its own ledger (the 工作台账 its plans ask it to keep) and
// nothing else; the scorecard and bulletin are the office's and auditor's.
// The report is computed holding the engine (its reads replay the plan as of
// the date); the file is written after the engine is released.

#include "duban/date.h"
#include "duban/plan_name.h"
#include "duban/reports/bulletin.h"
#include "duban/reports/bulletin_files.h"
#include "duban/reports/ledger.h"
#include "duban/reports/ledger_files.h"
#include "duban/reports/scorecard.h"
#include "duban/reports/scorecard_files.h"
#include "duban/reports/xlsx_bytes.h"
#include "duban/utf8.h"
#include "duban/workflows/scorecard.h"
#include "server_impl.h"
#include "duban/log.h"

namespace duban::server {

namespace {

constexpr const char* kXlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
constexpr const char* kDocxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

// RFC 5987 percent-encoding of a UTF-8 file name (filename*=UTF-8''...).
std::string PercentEncoded(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    const bool unreserved = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                            ch == '-' || ch == '.' || ch == '_' || ch == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(ch));
    } else {
      out.push_back('%');
      out.push_back(kHex[ch >> 4]);
      out.push_back(kHex[ch & 15]);
    }
  }
  return out;
}

// A file name's own part: no path separators, quotes or control characters.
std::string FileNamePart(const std::string& s) {
  std::string out;
  for (unsigned char ch : s) {
    if (ch < 0x20 || ch == 0x7f || ch == '/' || ch == '\\' || ch == '"' || ch == ':' || ch == '*' || ch == '?' ||
        ch == '<' || ch == '>' || ch == '|')
      continue;
    out.push_back(static_cast<char>(ch));
  }
  return out;
}

// The name for clients that read only filename="": ASCII, each run of other
// characters as one '_'.
std::string AsciiName(const std::string& s) {
  std::string out;
  for (unsigned char ch : FileNamePart(s)) {
    if (ch < 0x80)
      out.push_back(static_cast<char>(ch));
    else if (out.empty() || out.back() != '_')
      out.push_back('_');
  }
  return out;
}

// A plan title in a file name: at most 60 characters (a file system takes
// 255 bytes a name, and a proxy's header buffer is a few kilobytes).
std::string TitlePart(const std::string& title) {
  const std::string cut = utf8::Prefix(title, 60);
  return cut.size() < title.size() ? cut + "…" : cut;
}

// A file that could not be written: the reason in the server's log, not the
// client's answer (it names the server's paths).
void WriteFailed(Ctx& c, const Status& st) {
  log::Server().error("a report file could not be written: {}", st.ToString());
  c.Error(500, "report_failed", "the report file could not be written on the server (its log says why)");
}

// The attachment: an ASCII name for old clients, the Chinese one for the rest.
void Attach(Ctx& c, const std::string& bytes, const char* type, const std::string& ascii_name,
            const std::string& name) {
  c.res.status = 200;
  c.res.set_header("Content-Disposition", "attachment; filename=\"" + AsciiName(ascii_name) + "\"; filename*=UTF-8''" +
                                              PercentEncoded(FileNamePart(name)));
  c.res.set_header("X-Content-Type-Options", "nosniff");
  c.res.set_header("Cache-Control", "no-store");
  c.res.set_content(bytes, type);  // this httplib copies: it takes no rvalue
}

}  // namespace

// A report's turn: held while it is made, or the 503 already given.
class Server::Impl::ReportSlot {
 public:
  ReportSlot(Impl& impl, Ctx& c) : impl_(impl), account_(c.account ? c.account->name : "") {
    std::lock_guard<std::mutex> lock(impl_.reports_mu);
    const bool mine = impl_.reports_running.count(account_) > 0;
    if (mine || static_cast<int>(impl_.reports_running.size()) >= kReportsAtOnce) {
      c.res.set_header("Retry-After", "5");
      c.Error(503, "busy",
              mine ? "this account's previous report is still being made; fetch one report at a time"
                   : "other reports are being made; try again in a few seconds");
      return;
    }
    impl_.reports_running.insert(account_);
    held_ = true;
  }
  ~ReportSlot() {
    if (!held_) return;
    std::lock_guard<std::mutex> lock(impl_.reports_mu);
    impl_.reports_running.erase(account_);
  }
  explicit operator bool() const { return held_; }

 private:
  Impl& impl_;
  std::string account_;
  bool held_ = false;
};

// The plan and the date of a report request, or the answer already given.
std::optional<std::pair<std::string, Date>> Server::Impl::ReportRequest(Ctx& c, const std::string& kind) {
  const std::string plan = c.req.get_param_value("plan");
  if (plan.empty()) return c.Error(400, "bad_request", "query parameter 'plan' is required"), std::nullopt;
  const Date today = DayOf(Now());
  Date day = today;
  if (const std::string as_of = c.req.get_param_value("as_of"); !as_of.empty()) {
    auto d = Date::Parse(as_of);
    if (!d) return c.Error(400, "bad_request", "query parameter 'as_of': must be a date, YYYY-MM-DD"), std::nullopt;
    day = *d;
  }
  if (today < day)
    return c.Error(400, "bad_request",
                   "query parameter 'as_of': " + day.ToString() + " has not come yet (today is " + today.ToString() +
                       "); a " + kind + " is of a day up to today"),
           std::nullopt;
  if (!PlanFor(c, host, plan)) return std::nullopt;
  return std::make_pair(plan, day);
}

void Server::Impl::ReportLedger(Ctx& c) {
  std::string format = c.req.get_param_value("format"), unit = c.req.get_param_value("unit");
  if (format.empty()) format = "xlsx";
  if (format != "xlsx" && format != "csv" && format != "json")
    return c.Error(400, "bad_request", "query parameter 'format': xlsx, csv or json");
  if (c.IsUnit()) {
    if (!unit.empty() && unit != c.account->unit)
      return c.Error(403, "not_assignee", "a unit fetches its own ledger only");
    unit = c.account->unit;
  }
  auto req = ReportRequest(c, "ledger");
  if (!req) return;
  const std::string& plan = req->first;  // not a structured binding: clang-tidy 14 cannot capture one
  const Date& day = req->second;
  ReportSlot slot(*this, c);
  if (!slot) return;
  auto ledger = host.Use([&](Engine& e) { return reports::LedgerAsOf(e, plan, day, unit); });
  if (!ledger.ok()) return Answer(c, ledger.status());
  const std::string stem = plan + "-ledger-" + (unit.empty() ? "" : "unit-") + day.ToString();
  const std::string name = reports::LedgerTitle(TitlePart(PlanNameOf(ledger->plan_title))) +
                           (unit.empty() ? "" : "（" + unit + "）") + "（截至" + day.ToString() + "）";
  if (format == "json")
    return Attach(c, reports::LedgerJson(*ledger), "application/json; charset=utf-8", stem + ".json", name + ".json");
  if (format == "csv")
    return Attach(c, reports::LedgerCsv(*ledger), "text/csv; charset=utf-8", stem + ".csv", name + ".csv");
  auto bytes = reports::XlsxBytes([&](const std::string& path) { return reports::WriteLedgerXlsx(*ledger, path); });
  if (!bytes.ok()) return WriteFailed(c, bytes.status());
  Attach(c, bytes.value(), kXlsxType, stem + ".xlsx", name + ".xlsx");
}

void Server::Impl::ReportScorecard(Ctx& c) {
  std::string format = c.req.get_param_value("format");
  if (format.empty()) format = "xlsx";
  if (format != "xlsx" && format != "json")
    return c.Error(400, "bad_request", "query parameter 'format': xlsx or json");
  auto req = ReportRequest(c, "scorecard");
  if (!req) return;
  const std::string& plan = req->first;  // not a structured binding: clang-tidy 14 cannot capture one
  const Date& day = req->second;
  ReportSlot slot(*this, c);
  if (!slot) return;
  // The compiled-in definition's rule: the one the server's engine runs on.
  auto rule = workflows::ScorecardRule::Default();
  if (!rule.ok()) return c.Error(500, "store_error", rule.status().message());
  auto card = host.Use([&](Engine& e) { return reports::ScorecardAsOf(e, plan, day, *rule); });
  if (!card.ok()) return Answer(c, card.status());
  const std::string stem = plan + "-scorecard-" + day.ToString();
  const std::string name = TitlePart(card->plan_title) + "考核评分表（截至" + day.ToString() + "）";
  if (format == "json")
    return Attach(c, reports::ScorecardJson(*card), "application/json; charset=utf-8", stem + ".json", name + ".json");
  auto bytes = reports::XlsxBytes([&](const std::string& path) { return reports::WriteScorecardXlsx(*card, path); });
  if (!bytes.ok()) return WriteFailed(c, bytes.status());
  Attach(c, bytes.value(), kXlsxType, stem + ".xlsx", name + ".xlsx");
}

void Server::Impl::ReportBulletin(Ctx& c) {
  std::string format = c.req.get_param_value("format");
  if (format.empty()) format = "docx";
  if (format != "docx" && format != "json")
    return c.Error(400, "bad_request", "query parameter 'format': docx or json");
  auto req = ReportRequest(c, "bulletin");
  if (!req) return;
  const std::string& plan = req->first;  // not a structured binding: clang-tidy 14 cannot capture one
  const Date& day = req->second;
  ReportSlot slot(*this, c);
  if (!slot) return;
  auto bulletin = host.Use([&](Engine& e) { return reports::BulletinAsOf(e, plan, day); });
  if (!bulletin.ok()) return Answer(c, bulletin.status());
  const std::string stem = plan + "-bulletin-" + day.ToString();
  const std::string name =
      "关于" + TitlePart(PlanNameOf(bulletin->plan_title)) + "落实情况的通报（截至" + day.ToString() + "）";
  if (format == "json")
    return Attach(c, reports::BulletinJson(*bulletin), "application/json; charset=utf-8", stem + ".json",
                  name + ".json");
  auto bytes = reports::BulletinDocx(*bulletin);
  if (!bytes.ok()) return WriteFailed(c, bytes.status());
  Attach(c, bytes.value(), kDocxType, stem + ".docx", name + ".docx");
}

}  // namespace duban::server
