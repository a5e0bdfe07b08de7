#include "duban/reports/bulletin_files.h"

#include <memory>
#include <nlohmann/json.hpp>

#include "duban/cn_numeral.h"
#include "duban/reports/ledger.h"
#include "duban/utf8.h"
#include "duban/xml_text.h"
#include "duban/zip_write.h"
#include "template_files.h"

namespace duban::reports {

std::string ChineseDate(Date d) {
  return std::to_string(d.year) + "年" + std::to_string(d.month) + "月" + std::to_string(d.day) + "日";
}

namespace {

using nlohmann::json;

json TaskJson(const BulletinTask& t) {
  json j = {{"task", t.task},     {"title", t.title},
            {"due_on", t.due_on}, {"overdue_working_days", t.overdue_working_days},
            {"level", t.level},   {"level_name", t.level_name}};
  if (!t.cycle.empty()) {
    j["cycle"] = t.cycle;
    j["cycle_kind"] = t.cycle_kind;
  }
  return j;
}

json UnitJson(const BulletinUnit& u) {
  json tasks = json::array();
  for (const auto& t : u.tasks) tasks.push_back(TaskJson(t));
  return {{"unit", u.unit},
          {"assignments", u.assignments},
          {"completed", u.completed},
          {"level", u.level},
          {"tasks", tasks}};
}

json GroupsJson(const std::vector<BulletinGroup>& groups) {
  json out = json::array();
  for (const auto& g : groups) {
    json units = json::array();
    for (const auto& u : g.units) units.push_back(UnitJson(u));
    out.push_back({{"level", g.level}, {"name", g.name}, {"units", units}});
  }
  return out;
}

// ---- the document's body ----------------------------------------------------

// One paragraph of the body: its style (styles.xml) and runs (text, bold).
struct Para {
  std::string style;
  std::vector<std::pair<std::string, bool>> runs;
};

std::string ParaXml(const Para& p) {
  std::string x = "    <w:p>";
  if (!p.style.empty()) x += "<w:pPr><w:pStyle w:val=\"" + p.style + "\"/></w:pPr>";
  for (const auto& [text, bold] : p.runs) {
    x += "<w:r>";
    if (bold) x += "<w:rPr><w:b/><w:bCs/></w:rPr>";
    x += "<w:t xml:space=\"preserve\">" + XmlEscape(text) + "</w:t></w:r>";
  }
  return x + "</w:p>\n";
}

Para Text(std::string text, std::string style = "") { return Para{std::move(style), {{std::move(text), false}}}; }

std::string Count(int32_t n) { return std::to_string(n); }

std::string DueText(const std::string& due_on) {
  auto d = Date::Parse(due_on);
  return d ? ChineseDate(*d) : due_on;
}

const char* CycleKindChinese(const std::string& kind) {
  if (kind == "monthly") return "月度";
  if (kind == "quarterly") return "季度";
  if (kind == "half_year") return "半年";
  if (kind == "yearly") return "年度";
  if (kind == "lookback") return "回头看";
  if (kind == "adhoc") return "专项";
  return "";
}

// 第7项“推进决策公开”（截止2021年9月30日，逾期12个工作日）
std::string LateTaskText(const BulletinTask& t, int32_t unit_level) {
  std::string s = "第" + std::to_string(t.task) + "项“" + t.title + "”（截止" + DueText(t.due_on) + "，逾期" +
                  Count(t.overdue_working_days) + "个工作日";
  if (t.level != unit_level) s += "，" + (t.level > 0 ? t.level_name : std::string("尚未督办"));
  return s + "）";
}

// 第7项“推进决策公开”（2021-q3季度调度，应于2021年10月15日前报送，已逾期5个工作日）
std::string SilentTaskText(const BulletinTask& t, int32_t unit_level) {
  std::string s = "第" + std::to_string(t.task) + "项“" + t.title + "”（" + t.cycle;
  const std::string kind = CycleKindChinese(t.cycle_kind);
  s += kind.empty() ? "调度" : kind + "调度";
  s += "，应于" + DueText(t.due_on) + "前报送，已逾期" + Count(t.overdue_working_days) + "个工作日";
  if (t.level != unit_level) s += "，" + (t.level > 0 ? t.level_name : std::string("尚未督办"));
  return s + "）";
}

// 下一步要求: asks only what the facts call for (a bulletin with no late unit
// asked late units to report their rectification, and 被约谈单位 to attend
// an interview no one was called to).
std::string NextSteps(const Bulletin& b) {
  const std::string office = b.issuer.empty() ? "督查部门" : b.issuer;
  std::string s;
  if (b.late_units > 0)
    s += "请逾期未完成任务的单位认真分析原因，明确整改措施和完成时限，于本通报印发之日起5个工作日内将整改情况书面报送" +
         office + "。";
  bool interview = false;
  for (const auto* groups : {&b.late, &b.silent})
    for (const auto& g : *groups)
      interview = interview || (!g.units.empty() && g.name.find("约谈") != std::string::npos);
  if (interview) s += "被约谈单位的主要负责同志要按要求接受约谈。";
  if (b.silent_units > 0) s += "未按时报送进度的单位要立即补报工作台账。";
  return s + "各单位要对照分工方案，压实工作责任，确保各项任务按期保质完成。";
}

// The groups of one section: （一）通报批评（2个单位） then a numbered paragraph per unit.
void Groups(std::vector<Para>& body, const std::vector<BulletinGroup>& groups, bool silent) {
  int sub = 0;
  for (const auto& g : groups) {
    if (g.units.empty()) continue;
    body.push_back(Text("（" + cn::FormatNumeral(++sub) + "）" + g.name + "（" +
                            Count(static_cast<int32_t>(g.units.size())) + "个单位）",
                        "Heading2"));
    int n = 0;
    for (const auto& u : g.units) {
      Para p;
      p.runs.push_back({std::to_string(++n) + ". " + u.unit, true});
      std::string text = "：承担任务" + Count(u.assignments) + "项，已办结" + Count(u.completed) + "项；";
      text += silent ? "未按时报送进度" + Count(static_cast<int32_t>(u.tasks.size())) + "项次："
                     : "逾期未完成" + Count(static_cast<int32_t>(u.tasks.size())) + "项：";
      for (size_t i = 0; i < u.tasks.size(); ++i) {
        if (i) text += "；";
        text += silent ? SilentTaskText(u.tasks[i], u.level) : LateTaskText(u.tasks[i], u.level);
      }
      p.runs.push_back({text + "。", false});
      body.push_back(std::move(p));
    }
  }
}

std::vector<Para> Body(const Bulletin& b) {
  std::vector<Para> body;
  const std::string as_of = ChineseDate(b.as_of);
  body.push_back(Text("××〔" + std::to_string(b.as_of.year) + "〕××号", "DocNumber"));
  body.push_back(Text(b.Title(), "DocTitle"));
  body.push_back(Text("各有关单位：", "Addressee"));
  body.push_back(Text("截至" + as_of + "，《" + PlanNameOf(b.plan_title) + "》共分解任务" + Count(b.tasks) +
                      "项，落实到" + Count(b.units) + "个单位（计" + Count(b.assignments) + "项单位任务），已办结" +
                      Count(b.completed) + "项，其中按时办结" + Count(b.completed_on_time) + "项；逾期未完成" +
                      Count(b.late_assignments) + "项，涉及" + Count(b.late_units) + "个单位；未按时报送进度" +
                      Count(b.silent_requests) + "项次，涉及" + Count(b.silent_units) +
                      "个单位。现将有关情况通报如下："));

  body.push_back(Text("一、按时完成的单位", "Heading1"));
  if (b.on_time.empty()) {
    body.push_back(Text("截至" + as_of + "，尚无单位按时完成所承担的全部任务。"));
  } else {
    std::string names;
    for (const auto& u : b.on_time)
      names += (names.empty() ? "" : "、") + u.unit + "（" + Count(u.assignments) + "项）";
    const std::string who =
        b.on_time.size() == 1 ? names : names + "等" + Count(static_cast<int32_t>(b.on_time.size())) + "个单位";
    body.push_back(Text(who + "按时完成了所承担的全部任务，予以通报表扬。"));
  }

  body.push_back(Text("二、逾期未完成的单位", "Heading1"));
  if (b.late_units == 0) {
    body.push_back(Text("截至" + as_of + "，无逾期未完成的任务。"));
  } else {
    body.push_back(Text(Count(b.late_units) + "个单位的" + Count(b.late_assignments) +
                        "项任务已过完成时限仍未完成（未提交办结），按督办等级列示如下："));
    Groups(body, b.late, /*silent=*/false);
  }

  body.push_back(Text("三、未按时报送进度的单位", "Heading1"));
  if (b.silent_units == 0) {
    body.push_back(Text("各单位均已在规定时限内报送进度，或无到期的进度调度。"));
  } else {
    body.push_back(Text(Count(b.silent_units) + "个单位在进度调度中逾期未报送进度（" + Count(b.silent_requests) +
                        "项次），列示如下："));
    Groups(body, b.silent, /*silent=*/true);
  }
  if (!b.answered_late.empty()) {
    std::string names;
    for (const auto& r : b.answered_late)
      names += (names.empty() ? "" : "、") + r.unit + "（" + Count(r.times) + "次）";
    body.push_back(Text("另有" + Count(static_cast<int32_t>(b.answered_late.size())) + "个单位超过时限后报送进度：" +
                        names + "。"));
  }

  body.push_back(Text("四、下一步要求", "Heading1"));
  body.push_back(Text(NextSteps(b)));
  body.push_back(Text(""));
  body.push_back(Text(""));
  body.push_back(Text(b.issuer.empty() ? "（发文单位）" : b.issuer, "Signature"));
  body.push_back(Text(as_of, "Signature"));
  return body;
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (size_t p = 0; (p = text.find(from, p)) != std::string::npos; p += to.size()) text.replace(p, from.size(), to);
  return text;
}

// A template part with its placeholders filled.
std::string Fill(std::string_view part, const Bulletin& b, const std::string& body) {
  std::string s(part);
  s = Replace(std::move(s), "{{TITLE}}", XmlEscape(b.Title()));
  s = Replace(std::move(s), "{{ISSUER}}", XmlEscape(b.issuer));
  s = Replace(std::move(s), "{{AS_OF}}", b.as_of.ToString());
  return Replace(std::move(s), "{{BODY}}", body);
}

const TemplateFile* Part(std::string_view path) {
  for (const auto& f : BulletinTemplate())
    if (f.path == path) return &f;
  return nullptr;
}

std::string BodyXml(const Bulletin& b) {
  std::string x;
  for (const auto& p : Body(b)) x += ParaXml(p);
  return x;
}

}  // namespace

std::string BulletinJson(const Bulletin& b) {
  json on_time = json::array();
  for (const auto& u : b.on_time)
    on_time.push_back({{"unit", u.unit}, {"assignments", u.assignments}, {"completed", u.completed}});
  json late_reporters = json::array();
  for (const auto& r : b.answered_late) late_reporters.push_back({{"unit", r.unit}, {"times", r.times}});
  json doc = {{"plan", b.plan_id},
              {"plan_title", b.plan_title},
              {"title", b.Title()},
              {"as_of", b.as_of.ToString()},
              {"issuer", b.issuer},
              {"counts",
               {{"tasks", b.tasks},
                {"units", b.units},
                {"assignments", b.assignments},
                {"completed", b.completed},
                {"completed_on_time", b.completed_on_time},
                {"late_assignments", b.late_assignments},
                {"late_units", b.late_units},
                {"silent_requests", b.silent_requests},
                {"silent_units", b.silent_units},
                {"on_time_units", b.on_time.size()}}},
              {"on_time", on_time},
              {"late", GroupsJson(b.late)},
              {"silent", GroupsJson(b.silent)},
              {"answered_late", late_reporters}};
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string BulletinDocumentXml(const Bulletin& b) {
  const TemplateFile* doc = Part("word/document.xml");
  return doc ? Fill(doc->bytes, b, BodyXml(b)) : std::string();
}

Result<std::string> BulletinDocx(const Bulletin& b) {
  if (!Part("[Content_Types].xml") || !Part("word/document.xml"))
    return Status::Corruption("the compiled-in bulletin template lacks [Content_Types].xml or word/document.xml");
  const std::string body = BodyXml(b);
  // The parts filled; [Content_Types].xml first, as Office writes it.
  std::vector<std::pair<std::string, std::string>> parts;
  parts.emplace_back("[Content_Types].xml", std::string(Part("[Content_Types].xml")->bytes));
  for (const auto& f : BulletinTemplate()) {
    // Placeholders are checked in the template, before any text from the store goes in.
    if (Fill(f.bytes, Bulletin{}, "").find("{{") != std::string::npos)
      return Status::Corruption("bulletin template part " + std::string(f.path) + " has an unknown placeholder");
    if (f.path != "[Content_Types].xml") parts.emplace_back(std::string(f.path), Fill(f.bytes, b, body));
  }

  auto zipped = ZipBytes(parts);
  if (!zipped.ok()) return Status::IOError("cannot write the bulletin's .docx: " + zipped.status().message());
  return zipped;
}

}  // namespace duban::reports
