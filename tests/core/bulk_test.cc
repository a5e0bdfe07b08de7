// Bulk office steps (duban/core/bulk.h): what a bulk refuses before any item
// is sent, item ids that do not depend on the list's order, and each item's
// command body.
#include "duban/core/bulk.h"

#include <gtest/gtest.h>

#include <set>

namespace duban::core {
namespace {

TEST(BulkTest, ActionsParseByName) {
  for (BulkAction a : {BulkAction::kApprove, BulkAction::kReject, BulkAction::kRemind})
    EXPECT_EQ(ParseBulkAction(BulkActionName(a)), a);
  EXPECT_FALSE(ParseBulkAction("cancel"));
  EXPECT_EQ(BulkQueueOf(BulkAction::kApprove), QueueKind::kSubmissions);
  EXPECT_EQ(BulkQueueOf(BulkAction::kReject), QueueKind::kSubmissions);
  EXPECT_EQ(BulkQueueOf(BulkAction::kRemind), QueueKind::kSilent);
}

TEST(BulkTest, ABulkIsRefusedWholeWhenEmptyTooLongRepeatedOrARejectionHasNoReason) {
  const std::vector<BulkItem> two = {{1, "市财政局"}, {2, "市公安局"}};
  EXPECT_TRUE(CheckBulk(BulkAction::kApprove, "b1", two, "").ok());
  EXPECT_TRUE(CheckBulk(BulkAction::kRemind, "b1", two, "").ok());
  EXPECT_FALSE(CheckBulk(BulkAction::kApprove, "b1", {}, "").ok());
  EXPECT_FALSE(CheckBulk(BulkAction::kApprove, "", two, "").ok());
  EXPECT_FALSE(CheckBulk(BulkAction::kApprove, std::string(kMaxBulkIdChars + 1, 'x'), two, "").ok());
  EXPECT_TRUE(CheckBulk(BulkAction::kApprove, std::string(kMaxBulkIdChars, 'x'), two, "").ok());
  std::vector<BulkItem> many(kMaxBulkItems + 1);
  for (size_t i = 0; i < many.size(); ++i) many[i] = {static_cast<int32_t>(i + 1), "u"};
  const Status too_many = CheckBulk(BulkAction::kApprove, "b", many, "");
  EXPECT_NE(too_many.message().find("at most 500"), std::string::npos) << too_many.message();
  many.pop_back();
  EXPECT_TRUE(CheckBulk(BulkAction::kApprove, "b", many, "").ok());
  const Status twice = CheckBulk(BulkAction::kApprove, "b", {{1, "u"}, {2, "u"}, {1, "u"}}, "");
  EXPECT_NE(twice.message().find("item 3"), std::string::npos) << twice.message();
  EXPECT_FALSE(CheckBulk(BulkAction::kApprove, "b", {{0, "u"}}, "").ok());
  EXPECT_FALSE(CheckBulk(BulkAction::kApprove, "b", {{1, ""}}, "").ok());
  EXPECT_FALSE(CheckBulk(BulkAction::kReject, "b", two, "").ok());
  EXPECT_FALSE(CheckBulk(BulkAction::kReject, "b", two, " \u3000").ok()) << "a full-width space is no reason";
  EXPECT_TRUE(CheckBulk(BulkAction::kReject, "b", two, "佐证不足").ok());
}

TEST(BulkTest, AnItemsCommandIdDependsOnTheBulkAndTheItemNotItsPlace) {
  const std::string a = BulkItemCommandId("b1", {3, "市财政局"});
  EXPECT_EQ(a, BulkItemCommandId("b1", {3, "市财政局"}));
  EXPECT_EQ(a.rfind("b1.", 0), 0u);
  EXPECT_EQ(a.size(), 3u + 16u);
  EXPECT_LE(BulkItemCommandId(std::string(kMaxBulkIdChars, 'x'), {1, "u"}).size(), 128u);
  std::set<std::string> ids = {a, BulkItemCommandId("b2", {3, "市财政局"}), BulkItemCommandId("b1", {3, "市公安局"}),
                               BulkItemCommandId("b1", {31, "市财政局"})};
  EXPECT_EQ(ids.size(), 4u) << "another bulk, unit or task is another command";
  // "1" + "1x" and "11" + "x" must not meet: the task and unit are separated.
  EXPECT_NE(BulkItemCommandId("b", {1, "1x"}), BulkItemCommandId("b", {11, "x"}));
}

TEST(BulkTest, EachItemIsTheSingleCommandItStandsFor) {
  EXPECT_EQ(std::get<schemas::Approve>(BulkItemBody(BulkAction::kApprove, {3, "u"}, "同意")).comment, "同意");
  const auto r = std::get<schemas::Reject>(BulkItemBody(BulkAction::kReject, {4, "v"}, "佐证不足"));
  EXPECT_EQ(r.task, 4);
  EXPECT_EQ(r.unit, "v");
  EXPECT_EQ(r.reason, "佐证不足");
  const auto n = std::get<schemas::AddNote>(BulkItemBody(BulkAction::kRemind, {5, "w"}, ""));
  EXPECT_EQ(n.kind, "urge");
  EXPECT_EQ(n.task, 5);
  EXPECT_EQ(n.unit, "w");
}

}  // namespace
}  // namespace duban::core
