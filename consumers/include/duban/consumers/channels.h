// The channels file: which channels exist (email over SMTP, 企业微信 and
// 钉钉 group robots, webhook, JSONL outbox) and which recipient (a unit, the
// office, a notify entry such as "市财政局主要负责同志", or `default` for
// everyone not named) is reached on which of them, at which addresses.
//
//   channels:
//     mail:    {type: email, url: "smtp://mail.gov.example:25", from: duban@gov.example, from_name: 督查室}
//     czj-wx:  {type: wecom, url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY"}
//     office:  {type: dingtalk, url: "https://oapi.dingtalk.com/robot/send?access_token=T", secret: SEC...}
//     box:     {type: outbox, path: /var/lib/duban-reminders/outbox.jsonl}
//   recipients:
//     default: [{channel: box}]
//     市财政局:
//       - {channel: mail, to: [liaison@czj.gov.example]}
//       - {channel: czj-wx, mobiles: ["13800000000"]}
//   directory: {file: units.yaml, email: mail, mobile: sms-gw}   # optional
//
// `directory` routes the unit directory's contacts (plan_import/
// unit_directory.h): each unit's liaison as the unit, its leader as
// "<unit>主要负责同志", unless `recipients` names them.
//
// Guarantees: the whole file is checked before any sink is made; every
// mistake (YAML syntax, unknown key or type, a missing field, a channel
// named but not defined, an address that is not one) is InvalidArgument
// "FILE:LINE: what is wrong", and nothing is delivered with a half-read
// configuration. A channel's name is its dedupe key in delivered.log: renaming
// a channel makes its notifications new to it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "duban/consumers/sink.h"
#include "duban/status.h"

namespace duban::consumers {

// Parses `text` (named `file` in messages) into one routed sink per channel
// that some recipient uses.
Result<std::vector<std::unique_ptr<Sink>>> ParseChannels(const std::string& text, const std::string& file);
// Reads and parses the file at `path`.
Result<std::vector<std::unique_ptr<Sink>>> LoadChannels(const std::string& path);

}  // namespace duban::consumers
