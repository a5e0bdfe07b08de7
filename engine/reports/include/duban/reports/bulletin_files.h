// The bulletin (通报) as files an office edits, signs and sends: a .docx
// draft, and json.
//
// The .docx is written from the template kept in engine/reports/templates/
// bulletin/ (compiled into the binary: nothing is read from disk), zipped in
// memory with libzip, so a caller (the CLI, the HTTP server) gets its bytes
// without a temporary file. Its body: the 文号 line left for the office to
// fill, the title 关于<plan>落实情况的通报, 各有关单位：, an opening paragraph
// with the as-of date (截至2026年12月1日) and the counts, then 一、按时完成的单位
// 二、逾期未完成的单位 (by escalation level, each unit with its tasks) 三、未按时
// 报送进度的单位 四、下一步要求, and the signature block (the plan's issuer,
// the date). Headings are numbered in Chinese (一、 （一）), dates written
// 2026年12月1日, counts in Arabic digits, as GB/T 9704 has them. Every text
// from the store is XML-escaped (& < > " '), and characters XML cannot hold
// are dropped, so any plan title or unit name gives a well-formed document.
// The same bulletin gives the same bytes (the zip entries carry a fixed time).
#pragma once

#include <string>
#include <string_view>

#include "duban/reports/bulletin.h"
#include "duban/status.h"

namespace duban::reports {

// The bulletin as one JSON document: {plan, title, as_of, issuer, counts,
// on_time: [...], late: [{level, name, units: [{unit, ..., tasks: [...]}]}],
// silent: [...], answered_late: [...]}.
std::string BulletinJson(const Bulletin& bulletin);

// The word/document.xml of the .docx (the template's, its body written).
std::string BulletinDocumentXml(const Bulletin& bulletin);

// The .docx bytes. Corruption when the compiled-in template lacks a part or
// holds an unknown placeholder; IOError when libzip fails.
Result<std::string> BulletinDocx(const Bulletin& bulletin);

// 2026年12月1日
std::string ChineseDate(Date d);

}  // namespace duban::reports
