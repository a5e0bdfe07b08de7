// DecodeCommandJson: each type decodes to its command; refusals name the field.
#include <gtest/gtest.h>

#include "duban/server/command_json.h"
#include "duban/server/strict_json.h"

namespace duban::server {
namespace {

TEST(CommandJson, EveryTypeDecodesWithItsRequiredFields) {
  const std::map<std::string, std::string> bodies = {
      {"accept", R"({"type":"accept","plan":"p","task":3,"unit":"u","command_id":"c"})"},
      {"return", R"({"type":"return","plan":"p","task":3,"unit":"u","reason":"r","command_id":"c"})"},
      {"progress", R"({"type":"progress","plan":"p","task":3,"unit":"u","percent":40,"text":"t","command_id":"c"})"},
      {"submit", R"({"type":"submit","plan":"p","task":3,"unit":"u","command_id":"c"})"},
      {"approve", R"({"type":"approve","plan":"p","task":3,"unit":"u","command_id":"c"})"},
      {"reject", R"({"type":"reject","plan":"p","task":3,"unit":"u","reason":"r","command_id":"c"})"},
      {"reassign", R"({"type":"reassign","plan":"p","task":3,"unit":"u","to_unit":"v","command_id":"c"})"},
      {"request_extension",
       R"({"type":"request_extension","plan":"p","task":3,"unit":"u","new_due_on":"2021-12-31","reason":"r","command_id":"c"})"},
      {"grant_extension", R"({"type":"grant_extension","plan":"p","task":3,"unit":"u","command_id":"c"})"},
      {"deny_extension", R"({"type":"deny_extension","plan":"p","task":3,"unit":"u","reason":"r","command_id":"c"})"},
      {"cancel", R"({"type":"cancel","plan":"p","task":3,"reason":"r","command_id":"c"})"},
      {"reopen", R"({"type":"reopen","plan":"p","task":3,"unit":"u","reason":"r","cycle_id":"y","command_id":"c"})"},
      {"start_cycle",
       R"({"type":"start_cycle","plan":"p","cycle_id":"q3","kind":"quarterly","due_on":"2021-09-30","command_id":"c"})"},
      {"close_cycle", R"({"type":"close_cycle","plan":"p","cycle_id":"q3","command_id":"c"})"},
      {"set_deadline",
       R"({"type":"set_deadline","plan":"p","task":3,"due_on":"2021-12-31","reason":"r","command_id":"c"})"},
      {"cancel_assignment",
       R"({"type":"cancel_assignment","plan":"p","task":3,"unit":"u","reason":"r","command_id":"c"})"},
      {"resolve_return",
       R"({"type":"resolve_return","plan":"p","task":3,"unit":"u","to_unit":"v","reason":"r","command_id":"c"})"},
      {"add_note", R"({"type":"add_note","plan":"p","task":3,"kind":"instruction","text":"t","command_id":"c"})"},
      {"set_schedule",
       R"({"type":"set_schedule","plan":"p","task":3,"recurrence":"quarter:1","year":2027,"reason":"r","command_id":"c"})"},
      {"delegate", R"({"type":"delegate","plan":"p","task":3,"unit":"u","to_unit":"v","command_id":"c"})"},
      {"set_consolidation", R"({"type":"set_consolidation","plan":"p","mode":"lead","reason":"r","command_id":"c"})"},
      {"add_unit", R"({"type":"add_unit","plan":"p","name":"市民政局","reason":"r","command_id":"c"})"},
      {"assign", R"({"type":"assign","plan":"p","task":3,"unit":"u","command_id":"c"})"},
  };
  EXPECT_EQ(bodies.size(), CommandTypes().size());
  for (const auto& [type, body] : bodies) {
    auto d = DecodeCommandJson(body);
    ASSERT_TRUE(d.ok()) << type << ": " << d.status().message();
    EXPECT_EQ(d->type, type);
    EXPECT_EQ(d->command.plan_id, "p");
    EXPECT_EQ(d->command.actor.id, "") << "the body never sets the actor";
  }
  auto p = DecodeCommandJson(bodies.at("progress"));
  const auto& rp = std::get<schemas::ReportProgress>(p->command.body);
  EXPECT_EQ(rp.task, 3);
  EXPECT_EQ(rp.percent, 40);
  auto sd = DecodeCommandJson(bodies.at("set_deadline"));
  EXPECT_EQ(std::get<schemas::SetDeadline>(sd->command.body).unit, "") << "no unit: the whole task";
  auto rr = DecodeCommandJson(bodies.at("resolve_return"));
  EXPECT_EQ(std::get<schemas::ResolveReturn>(rr->command.body).to_unit, "v");
  auto ss = DecodeCommandJson(bodies.at("set_schedule"));
  const auto& sched = std::get<schemas::SetSchedule>(ss->command.body);
  EXPECT_EQ(sched.recurrence, "quarter:1");
  EXPECT_EQ(sched.year, 2027);
  EXPECT_EQ(sched.reason, "r");
}

TEST(CommandJson, RefusalsNameTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"type":"accept","plan":"p","task":3,"unit":"u","command_id":"c","actor":"x"})", "'actor'"},
      {R"({"type":"accept","plan":"p","task":"3","unit":"u","command_id":"c"})", "'task'"},
      {R"({"type":"accept","plan":"p","task":3,"command_id":"c"})", "'unit'"},
      {R"({"type":"reject","plan":"p","task":3,"unit":"u","command_id":"c"})", "'reason'"},
      {R"({"type":"progress","plan":"p","task":3,"unit":"u","percent":-1,"text":"t","command_id":"c"})", "'percent'"},
      {R"({"type":"accept","plan":"p","task":3,"unit":"u"})", "'command_id'"},
      {R"({"type":"accept","plan":"p","task":3,"unit":"u","command_id":"c","at":"soon"})", "'at'"},
      {R"({"type":"set_schedule","plan":"p","task":3,"recurrence":"quarter:1","year":20270,"reason":"r","command_id":"c"})",
       "'year'"},
      {R"({"type":"set_schedule","plan":"p","task":3,"reason":"r","command_id":"c"})", "'recurrence'"},
      {R"({"type":"submit","plan":"p","task":3,"unit":"u","command_id":"c","evidence":[{"sha256":"x"}]})",
       "evidence[0].name"},
      // A right-to-left override turns the office's line around; a zero-width space makes another unit's name.
      {R"({"type":"progress","plan":"p","task":3,"unit":"u","percent":5,"text":"t","reporter":"\u202e张三","command_id":"c"})",
       "'reporter': holds a bidirectional control character"},
      {R"({"type":"progress","plan":"p","task":3,"unit":"u","percent":5,"text":"\u2067t","command_id":"c"})",
       "'text': holds a bidirectional"},
      {R"({"type":"accept","plan":"p","task":3,"unit":"市财政局\u200b","command_id":"c"})",
       "'unit': holds an invisible character"},
  };
  for (const auto& [body, field] : cases) {
    auto d = DecodeCommandJson(body);
    ASSERT_FALSE(d.ok()) << body;
    EXPECT_EQ(d.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(d.status().message().find(field), std::string::npos) << d.status().message();
  }
}

TEST(CommandJson, OnlyTheUnitsStepsAreUnitTypes) {
  for (const char* t : {"accept", "return", "progress", "submit", "request_extension", "delegate"})
    EXPECT_TRUE(IsUnitCommandType(t)) << t;
  for (const char* t : {"approve", "reject", "reassign", "grant_extension", "deny_extension", "cancel", "reopen",
                        "start_cycle", "close_cycle", "set_deadline", "cancel_assignment", "resolve_return", "add_note",
                        "set_schedule", "set_consolidation", "nonsense"})
    EXPECT_FALSE(IsUnitCommandType(t)) << t;
}

TEST(CommandJson, AKeyGivenTwiceAnywhereIsRefusedByName) {
  const std::string ok = R"({"type":"accept","plan":"p","task":1,"unit":"A","command_id":"c"})";
  ASSERT_TRUE(DecodeCommandJson(ok).ok());
  for (
      const auto& [body, key] : std::vector<std::pair<std::string, std::string>>{
          {R"({"type":"accept","plan":"p","task":1,"unit":"A","unit":"B","command_id":"c"})", "unit"},
          {R"({"type":"accept","type":"approve","plan":"p","task":1,"unit":"A","command_id":"c"})", "type"},
          {R"({"type":"submit","plan":"p","task":1,"unit":"A","command_id":"c","evidence":[{"sha256":"x","sha256":"y"}]})",
           "sha256"}}) {
    auto d = DecodeCommandJson(body);
    ASSERT_FALSE(d.ok()) << body;
    EXPECT_NE(d.status().message().find("'" + key + "': given twice"), std::string::npos) << d.status().message();
  }
  // The same key in two different objects is fine.
  auto two = ParseJsonObject(R"({"a":{"name":1},"b":{"name":2}})");
  EXPECT_TRUE(two.ok()) << two.status().ToString();
}

// nlohmann's reader takes a NUL for the end of input: a body with one after
// its object passed as that object (a review found "{…}\0garbage" accepted).
TEST(CommandJson, ABodyHoldingANulByteIsNotJson) {
  const std::string good = R"({"type":"accept","plan":"p","task":1,"unit":"u","command_id":"n1"})";
  ASSERT_TRUE(DecodeCommandJson(good).ok());
  for (const std::string& body : {good + std::string(1, '\0') + "{\"garbage", std::string(1, '\0') + good,
                                  R"({"user":"a","password":"b)" + std::string(1, '\0') + R"("})"}) {
    auto d = ParseJsonObject(body);
    ASSERT_FALSE(d.ok()) << body.size();
    EXPECT_NE(d.status().message().find("NUL"), std::string::npos) << d.status().message();
  }
}

}  // namespace
}  // namespace duban::server
