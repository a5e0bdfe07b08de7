// Accounts over a real store: who may sign in, what is recorded, what is
// never recorded (secrets), and that the log of account changes survives a
// rebuild and passes verify.
#include "duban/accounts.h"

#include <gtest/gtest.h>

#include "duban/schemas/codec.h"
#include "temp_dir.h"

namespace duban::accounts {
namespace {

class FixedClock : public EngineClock {
 public:
  Instant Now() const override { return now; }
  Instant now = 1'796'000'000'000;
};

class AccountsTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    engine_.reset();
    EngineOptions o;
    o.data_dir = dir_.path() + "/store";
    o.sync = false;
    o.clock = clock_;
    auto e = Engine::Open(o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value();
    accounts_ = std::make_unique<Accounts>(*engine_, clock_);
  }
  std::vector<schemas::Event> AccountEvents() {
    std::vector<schemas::Event> out;
    EXPECT_TRUE(engine_->ScanLog(1, [&](uint64_t, const schemas::Event& e) {
                  if (e.stream == "!accounts") out.push_back(e);
                  return true;
                }).ok());
    return out;
  }
  std::string LogBytes() {
    std::string all;
    EXPECT_TRUE(engine_->ScanLogRecords(1, [&](uint64_t, std::string_view r) {
                  all.append(r);
                  return true;
                }).ok());
    return all;
  }

  testing::TempDir dir_{"duban-accounts-test"};
  std::shared_ptr<FixedClock> clock_ = std::make_shared<FixedClock>();
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Accounts> accounts_;
  const schemas::Actor admin_ = ActorOfOperator();
};

TEST_F(AccountsTest, AUnitAccountSignsInAndActsAsItsUnit) {
  auto a = accounts_->Add({"czj", "张三", AccountRole::kUnit, "市财政局"}, "correct horse 1", admin_);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto in = accounts_->CheckPassword("czj", "correct horse 1");
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  const schemas::Actor actor = ActorOf(*in);
  EXPECT_EQ(actor.id, "市财政局");
  EXPECT_EQ(actor.role, schemas::Role::kUnit);
  EXPECT_EQ(actor.name, "czj");
  EXPECT_EQ(ActorOf(*accounts_->Add({"zr", "", AccountRole::kOffice, ""}, "office pass 22", admin_)).role,
            schemas::Role::kSupervisor);
}

TEST_F(AccountsTest, WrongPasswordAndUnknownNameGetTheSameWords) {
  ASSERT_TRUE(accounts_->Add({"czj", "", AccountRole::kUnit, "市财政局"}, "correct horse 1", admin_).ok());
  auto wrong = accounts_->CheckPassword("czj", "correct horse 2");
  auto unknown = accounts_->CheckPassword("nobody", "correct horse 1");
  ASSERT_FALSE(wrong.ok());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(wrong.status().reason(), reason::kUnauthenticated);
  EXPECT_EQ(wrong.status().message(), unknown.status().message());
  EXPECT_EQ(wrong.status().reason(), unknown.status().reason());
  EXPECT_FALSE(accounts_->CheckPassword("", "").ok());
  EXPECT_FALSE(accounts_->CheckPassword("czj", std::string(5000, 'x')).ok());
}

TEST_F(AccountsTest, DisableEndsSignInAndBumpsTheGeneration) {
  auto a = accounts_->Add({"czj", "", AccountRole::kUnit, "市财政局"}, "correct horse 1", admin_);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(accounts_->SetDisabled("czj", true, "调离", admin_).ok());
  auto in = accounts_->CheckPassword("czj", "correct horse 1");
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.status().reason(), reason::kAccountDisabled);
  // A wrong password on a disabled account does not tell it is disabled.
  EXPECT_EQ(accounts_->CheckPassword("czj", "guess guess 1").status().reason(), reason::kUnauthenticated);
  EXPECT_GT(accounts_->Get("czj")->generation, a->generation);
  ASSERT_TRUE(accounts_->SetDisabled("czj", false, "", admin_).ok());
  EXPECT_TRUE(accounts_->CheckPassword("czj", "correct horse 1").ok());
}

TEST_F(AccountsTest, ResetPasswordReplacesTheOldOne) {
  ASSERT_TRUE(accounts_->Add({"czj", "", AccountRole::kUnit, "市财政局"}, "correct horse 1", admin_).ok());
  const uint32_t before = accounts_->Get("czj")->generation;
  ASSERT_TRUE(accounts_->ResetPassword("czj", "battery staple 9", admin_).ok());
  EXPECT_FALSE(accounts_->CheckPassword("czj", "correct horse 1").ok());
  EXPECT_TRUE(accounts_->CheckPassword("czj", "battery staple 9").ok());
  EXPECT_EQ(accounts_->Get("czj")->generation, before + 1);
  EXPECT_EQ(accounts_->ResetPassword("nobody", "battery staple 9", admin_).reason(), reason::kAccountNotFound);
}

TEST_F(AccountsTest, BadNamesPasswordsAndRolesAreRefusedAndNothingIsRecorded) {
  const uint64_t end = engine_->LogEnd();
  EXPECT_EQ(accounts_->Add({"../etc", "", AccountRole::kOffice, ""}, "correct horse 1", admin_).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_FALSE(accounts_->Add({"a b", "", AccountRole::kOffice, ""}, "correct horse 1", admin_).ok());
  EXPECT_FALSE(accounts_->Add({"", "", AccountRole::kOffice, ""}, "correct horse 1", admin_).ok());
  EXPECT_FALSE(accounts_->Add({std::string(65, 'a'), "", AccountRole::kOffice, ""}, "correct horse 1", admin_).ok());
  EXPECT_FALSE(accounts_->Add({"x\n", "", AccountRole::kOffice, ""}, "correct horse 1", admin_).ok());
  EXPECT_FALSE(accounts_->Add({"czj", "", AccountRole::kUnit, ""}, "correct horse 1", admin_).ok());  // no unit
  EXPECT_FALSE(accounts_->Add({"zr", "", AccountRole::kOffice, "市财政局"}, "correct horse 1", admin_).ok());
  EXPECT_EQ(accounts_->Add({"czj", "", AccountRole::kUnit, "市财政局"}, "short", admin_).status().reason(),
            reason::kWeakPassword);
  EXPECT_FALSE(accounts_->Add({"czj", "", AccountRole::kUnit, "市财政局"}, "aaaaaaaaaaaa", admin_).ok());
  EXPECT_FALSE(accounts_->Add({"czj1234567", "", AccountRole::kUnit, "市财政局"}, "czj1234567", admin_).ok());
  EXPECT_FALSE(accounts_->Add({"czj", "", AccountRole::kUnit, "市财政局"}, "bad \xff utf8 pw", admin_).ok());
  EXPECT_EQ(engine_->LogEnd(), end);
  ASSERT_TRUE(accounts_->Add({"czj", "", AccountRole::kUnit, "市财政局"}, "correct horse 1", admin_).ok());
  EXPECT_EQ(accounts_->Add({"czj", "", AccountRole::kUnit, "市财政局"}, "correct horse 1", admin_).status().reason(),
            reason::kAccountExists);
  EXPECT_EQ(engine_->LogEnd(), end + 1);
}

TEST_F(AccountsTest, ATokenIsShownOnceStoredAsADigestAndRevokedForGood) {
  auto token = accounts_->CreateToken({"reminder-bot", "", AccountRole::kAuditor, ""}, admin_);
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(token->rfind("dbt_", 0), 0u);
  EXPECT_EQ(token->size(), 4u + 43u);
  auto who = accounts_->CheckToken(*token);
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->name, "reminder-bot");
  EXPECT_EQ(who->kind, AccountKind::kToken);
  std::string forged = *token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(accounts_->CheckToken(forged).status().reason(), reason::kUnauthenticated);
  EXPECT_FALSE(accounts_->CheckToken("").ok());
  EXPECT_FALSE(accounts_->CheckToken("reminder-bot").ok());
  // A token is not a password: it does not sign in by name.
  EXPECT_FALSE(accounts_->CheckPassword("reminder-bot", *token).ok());
  ASSERT_TRUE(accounts_->SetDisabled("reminder-bot", true, "leaked", admin_).ok());
  EXPECT_EQ(accounts_->CheckToken(*token).status().reason(), reason::kAccountDisabled);
  // The token's secret appears nowhere in the log.
  EXPECT_EQ(LogBytes().find(*token), std::string::npos);
  EXPECT_EQ(LogBytes().find(token->substr(4)), std::string::npos);
}

TEST_F(AccountsTest, EveryChangeIsAnEventAndNoSecretReachesTheLog) {
  ASSERT_TRUE(accounts_->Add({"czj", "张三", AccountRole::kUnit, "市财政局"}, "correct horse 1", admin_).ok());
  clock_->now += 60'000;
  ASSERT_TRUE(accounts_->ResetPassword("czj", "battery staple 9", admin_).ok());
  ASSERT_TRUE(accounts_->SetDisabled("czj", true, "调离", admin_).ok());
  ASSERT_TRUE(accounts_->SetDisabled("czj", true, "again", admin_).ok());  // no change, nothing recorded
  const auto events = AccountEvents();
  ASSERT_EQ(events.size(), 3u);
  std::vector<std::string> changes;
  for (const auto& e : events) {
    const auto& b = std::get<schemas::AccountChanged>(e.body);
    EXPECT_EQ(b.account, "czj");
    EXPECT_EQ(e.actor, admin_);
    changes.push_back(b.change);
  }
  EXPECT_EQ(changes, (std::vector<std::string>{"created", "password_reset", "disabled"}));
  EXPECT_EQ(std::get<schemas::AccountChanged>(events[2].body).reason, "调离");
  EXPECT_EQ(events[1].recorded_at, clock_->now);
  const std::string log = LogBytes();
  EXPECT_EQ(log.find("correct horse 1"), std::string::npos);
  EXPECT_EQ(log.find("battery staple 9"), std::string::npos);
  EXPECT_EQ(log.find("$argon2id$"), std::string::npos);
}

TEST_F(AccountsTest, AccountsSurviveReopenRebuildAndVerify) {
  ASSERT_TRUE(accounts_->Add({"czj", "", AccountRole::kUnit, "市财政局"}, "correct horse 1", admin_).ok());
  ASSERT_TRUE(accounts_->Add({"sj", "", AccountRole::kAuditor, ""}, "auditor pass 3", admin_).ok());
  Reopen();
  EXPECT_TRUE(accounts_->CheckPassword("czj", "correct horse 1").ok());
  ASSERT_TRUE(engine_->Rebuild().ok());
  EXPECT_TRUE(accounts_->CheckPassword("sj", "auditor pass 3").ok());
  auto report = engine_->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << (report->problems.empty() ? "" : report->problems.front());
  auto list = accounts_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "czj");
  EXPECT_EQ((*list)[1].role, AccountRole::kAuditor);
}

TEST_F(AccountsTest, AReadOnlyStoreChecksButDoesNotChange) {
  ASSERT_TRUE(accounts_->Add({"czj", "", AccountRole::kUnit, "市财政局"}, "correct horse 1", admin_).ok());
  engine_.reset();
  EngineOptions o;
  o.data_dir = dir_.path() + "/store";
  o.read_only = true;
  auto e = Engine::Open(o);
  ASSERT_TRUE(e.ok());
  Accounts ro(**e, clock_);
  EXPECT_TRUE(ro.CheckPassword("czj", "correct horse 1").ok());
  EXPECT_FALSE(ro.ResetPassword("czj", "battery staple 9", admin_).ok());
  EXPECT_TRUE(ro.CheckPassword("czj", "correct horse 1").ok());
}

}  // namespace
}  // namespace duban::accounts
