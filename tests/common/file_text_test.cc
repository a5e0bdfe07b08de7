// file_text::ReadWhole and ReadIfPresent: every failure is a Status with the
// system's reason, never a silently empty or truncated text.
#include "duban/file_text.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "temp_dir.h"

namespace duban {
namespace {

using testing::TempDir;

void Write(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

TEST(FileTextTest, ReadsEveryByteOfALargeFileWithNuls) {
  TempDir dir("duban-file-text");
  std::string bytes(300'000, 'x');  // several reads of 64 KiB
  bytes[7] = '\0';
  bytes.back() = '\n';
  Write(dir.path() + "/f", bytes);
  auto got = file_text::ReadWhole(dir.path() + "/f");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, bytes);
}

TEST(FileTextTest, AMissingFileIsNotFoundWithTheReason) {
  TempDir dir("duban-file-text");
  auto got = file_text::ReadWhole(dir.path() + "/absent");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(got.status().message(), "No such file or directory");
}

TEST(FileTextTest, ADirectoryIsAnErrorNotAnEmptyText) {
  TempDir dir("duban-file-text");
  auto got = file_text::ReadWhole(dir.path());
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), Status::Code::kIOError);
  EXPECT_EQ(got.status().message(), "Is a directory");
}

TEST(FileTextTest, AFileOverTheLimitIsRefusedAndOneAtItIsRead) {
  TempDir dir("duban-file-text");
  Write(dir.path() + "/f", std::string(100, 'a'));
  auto over = file_text::ReadWhole(dir.path() + "/f", 99);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(over.status().message(), "larger than 99 bytes");
  auto at = file_text::ReadWhole(dir.path() + "/f", 100);
  ASSERT_TRUE(at.ok()) << at.status().ToString();
  EXPECT_EQ(at->size(), 100u);
}

TEST(FileTextTest, ReadIfPresentIsEmptyOnlyForAnAbsentFile) {
  TempDir dir("duban-file-text");
  auto absent = file_text::ReadIfPresent(dir.path() + "/absent");
  ASSERT_TRUE(absent.ok()) << absent.status().ToString();
  EXPECT_EQ(*absent, "");
  Write(dir.path() + "/f", "one\n");
  auto present = file_text::ReadIfPresent(dir.path() + "/f");
  ASSERT_TRUE(present.ok());
  EXPECT_EQ(*present, "one\n");
  auto directory = file_text::ReadIfPresent(dir.path());
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.status().code(), Status::Code::kIOError);
  EXPECT_EQ(directory.status().message(), "cannot read " + dir.path() + ": Is a directory");
}

TEST(FileTextTest, AnUnreadableFileSaysPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads a file whatever its mode";
  TempDir dir("duban-file-text");
  Write(dir.path() + "/f", "secret");
  ::chmod((dir.path() + "/f").c_str(), 0);
  auto got = file_text::ReadWhole(dir.path() + "/f");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message(), "Permission denied");
}

}  // namespace
}  // namespace duban
