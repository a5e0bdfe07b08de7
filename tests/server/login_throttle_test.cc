// The sign-in throttle alone (engine/server/auth.h): attempts count from
// their admission, refused ones leave no trace, and no flood of invented
// names or addresses wipes a count already earned.
#include <gtest/gtest.h>

#include <string>

#include "auth.h"

namespace duban::server {
namespace {

constexpr Instant kMinute = 60 * 1000;

TEST(LoginThrottle, AttemptsInFlightCountAgainstTheLimitAndSayTheyAreBusy) {
  LoginThrottle t(5, 1000000, 15 * kMinute, 15 * kMinute);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(t.Admit("victim", "10.0.0.1", 0).wait_seconds, 0) << i;
  const auto sixth = t.Admit("victim", "10.0.0.1", 0);
  EXPECT_EQ(sixth.wait_seconds, 1);
  EXPECT_TRUE(sixth.busy) << "not locked out: five are being checked";
  for (int i = 0; i < 5; ++i) t.Finished("victim", "10.0.0.1", /*failed=*/true, 10);
  const auto locked = t.Admit("victim", "10.0.0.1", 20);
  EXPECT_GT(locked.wait_seconds, 60);
  EXPECT_FALSE(locked.busy);
}

// A review's flood: 100,050 sign-ins with invented names, refused, filled the
// table past its bound, and the victim's four failures were forgotten.
TEST(LoginThrottle, AFloodOfInventedNamesForgetsNoFailureAlreadyCounted) {
  LoginThrottle t(5, 1000000000, 15 * kMinute, 15 * kMinute);
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(t.Admit("victim", "10.0.0.6", i).wait_seconds, 0);
    t.Finished("victim", "10.0.0.6", true, i);
  }
  for (int i = 0; i < 100050; ++i) {
    const std::string name = "invented-" + std::to_string(i);
    if (t.Admit(name, "10.0.0.3", 100).wait_seconds == 0) t.Finished(name, "10.0.0.3", true, 100);
  }
  ASSERT_EQ(t.Admit("victim", "10.0.0.6", 200).wait_seconds, 0);
  t.Finished("victim", "10.0.0.6", true, 200);
  EXPECT_GT(t.Admit("victim", "10.0.0.6", 300).wait_seconds, 60) << "the fifth failure locks the name out";
}

TEST(LoginThrottle, ARefusedAttemptAddsNothingAndASuccessForgetsTheNamesFailures) {
  LoginThrottle t(5, 3, 15 * kMinute, 15 * kMinute);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(t.Admit("u" + std::to_string(i), "10.0.0.9", i).wait_seconds, 0);
    t.Finished("u" + std::to_string(i), "10.0.0.9", true, i);
  }
  EXPECT_GT(t.Admit("someone", "10.0.0.9", 10).wait_seconds, 60) << "the address is locked out";
  // The name refused from the locked address was not counted: from elsewhere it has five tries.
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(t.Admit("someone", "10.0.1." + std::to_string(i), 20).wait_seconds, 0) << i;
    t.Finished("someone", "10.0.1." + std::to_string(i), true, 20);
  }
  ASSERT_EQ(t.Admit("someone", "10.0.2.1", 30).wait_seconds, 0);
  t.Finished("someone", "10.0.2.1", /*failed=*/false, 30);
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(t.Admit("someone", "10.0.3." + std::to_string(i), 40).wait_seconds, 0) << "success forgot, " << i;
    t.Finished("someone", "10.0.3." + std::to_string(i), true, 40);
  }
}

}  // namespace
}  // namespace duban::server
