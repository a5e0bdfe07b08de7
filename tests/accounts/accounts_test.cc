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
    EXPECT_TRUE(engine_
                    ->ScanLog(1,
                              [&](uint64_t, const schemas::Event& e) {
                                if (e.stream == "!accounts") out.push_back(e);
                                return true;
                              })
                    .ok());
    return out;
  }
  std::string LogBytes() {
    std::string all;
    EXPECT_TRUE(engine_
                    ->ScanLogRecords(1,
                                     [&](uint64_t, std::string_view r) {
                                       all.append(r);
                                       return true;
                                     })
                    .ok());
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

// Two accounts must never read the same in an audit trail: nothing
// invisible, no look-alike letters, no unit or display name with hidden
// characters or spaces at its ends (found by a hostile review).
TEST_F(AccountsTest, InvisibleAndLookAlikeNamesAreRefused) {
  const uint64_t end = engine_->LogEnd();
  const std::vector<std::string> names = {
      "office\xf3\xa0\x80\xa0",  // a tag character after "office"
      "office\xf3\xa0\x84\x80",  // a variation selector
      "\xef\xbd\x8f"
      "ffice",  // fullwidth o
      "\xf0\x9d\x90\xa8"
      "ffice",         // mathematical bold o
      "\xe3\x85\xa4",  // Hangul filler
      "a\xe3\x80\x80"
      "b",  // ideographic space
      "a\xe2\x80\x8b"
      "b",  // zero-width space
      "..",
  };
  for (const auto& n : names)
    EXPECT_EQ(accounts_->Add({n, "", AccountRole::kOffice, ""}, "correct horse 1", admin_).status().code(),
              Status::Code::kInvalidArgument)
        << n;
  EXPECT_FALSE(accounts_->Add({"czj", "", AccountRole::kUnit, "市财政局 "}, "correct horse 1", admin_).ok());
  EXPECT_FALSE(accounts_->Add({"czj", "", AccountRole::kUnit, "市财\xe2\x80\x8b政局"}, "correct horse 1", admin_).ok());
  EXPECT_FALSE(accounts_->Add({"czj", "\x1b[31m张三", AccountRole::kUnit, "市财政局"}, "correct horse 1", admin_).ok());
  EXPECT_FALSE(
      accounts_->Add({"czj", "张\xe2\x80\xae三", AccountRole::kUnit, "市财政局"}, "correct horse 1", admin_).ok());
  EXPECT_EQ(engine_->LogEnd(), end);
  EXPECT_TRUE(accounts_->Add({"张三.czj_1-a", "张三", AccountRole::kUnit, "市财政局"}, "correct horse 1", admin_).ok());
}

TEST_F(AccountsTest, PasswordsAreCountedInCharactersAndHoldNothingInvisible) {
  auto reason_of = [&](const std::string& pw) { return Accounts::CheckPasswordRules("czj", pw).reason(); };
  EXPECT_EQ(reason_of("中中中中"), reason::kWeakPassword);  // 12 bytes, 4 characters
  EXPECT_EQ(reason_of("\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94"), reason::kWeakPassword);  // １２３４
  EXPECT_EQ(reason_of(std::string("abcdefghij\0k", 12)), reason::kWeakPassword);
  EXPECT_EQ(reason_of("abcdefghij\x1b"), reason::kWeakPassword);
  EXPECT_EQ(reason_of("\xef\xbb\xbf"
                      "abcdefghijk"),
            reason::kWeakPassword);                                               // a BOM in front
  EXPECT_EQ(reason_of("ababababababab"), reason::kWeakPassword);                  // 2 different characters
  EXPECT_TRUE(Accounts::CheckPasswordRules("czj", "政务公开工作要点落实").ok());  // 10 Chinese characters
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
  EXPECT_FALSE(accounts_->SetDisabled("reminder-bot", false, "", admin_).ok());  // revoked for good
  EXPECT_FALSE(accounts_->CheckToken(*token).ok());
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

// Someone with the store's files flips a role in a row: the row no longer
// agrees with its AccountChanged trail, and the comparison says so.
TEST_F(AccountsTest, AnEditedAccountRowDisagreesWithItsTrail) {
  ASSERT_TRUE(accounts_->Add({"czj", "", AccountRole::kUnit, "市财政局"}, "correct horse 1", admin_).ok());
  ASSERT_TRUE(accounts_->SetDisabled("czj", true, "", admin_).ok());
  auto clean = accounts_->CompareRowsWithLog();
  ASSERT_TRUE(clean.ok());
  EXPECT_TRUE(clean->empty()) << clean->front();
  auto row = engine_->GetMeta("account/czj");
  ASSERT_TRUE(row.ok() && row->has_value());
  std::string edited = **row;
  edited.replace(edited.find("\"role\":\"unit\""), 13, "\"role\":\"office\"");
  edited.replace(edited.find("\"unit\":\"市财政局\""), std::string("\"unit\":\"市财政局\"").size(), "\"unit\":\"\"");
  edited.replace(edited.find("\"disabled\":true"), 15, "\"disabled\":false");
  for (const auto& o : engine_->SubmitBatch({}, {{"account/czj", edited}, {"account/ghost", edited}}))
    ASSERT_TRUE(o.status.ok());
  ASSERT_EQ(**engine_->GetMeta("account/czj"), edited);
  auto found = accounts_->CompareRowsWithLog();
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 2u);
  EXPECT_NE((*found)[0].find("changed outside duban"), std::string::npos) << (*found)[0];
  EXPECT_NE((*found)[1].find("ghost"), std::string::npos) << (*found)[1];
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
