#include "common/flag_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"

ABSL_FLAG(int, test_threads, 1, "a flag for the tests");
ABSL_FLAG(std::string, test_name, "none", "a flag for the tests");

namespace tessera {
namespace {

using ::testing::HasSubstr;

class FlagConfigTest : public ::testing::Test {
 private:
  absl::FlagSaver saver_;  // restores every flag after each test
};

TEST_F(FlagConfigTest, ReadsOnlyTheProgramsSection) {
  const auto settings = ParseFlagConfigText(
      "# cluster settings\n"
      "[master]\nthreshold = 92\n\n"
      "[worker]\n  max-in-flight=4  \nname = \"w # 1\"\n"
      "[stream]\nencoding = jpeg\n",
      "tessera.conf", "worker");
  ASSERT_TRUE(settings.ok()) << settings.status();
  ASSERT_EQ(settings->size(), 2u);
  EXPECT_EQ((*settings)[0].name, "max_in_flight");
  EXPECT_EQ((*settings)[0].value, "4");
  EXPECT_EQ((*settings)[0].origin, "tessera.conf:6");
  EXPECT_EQ((*settings)[1].name, "name");
  EXPECT_EQ((*settings)[1].value, "w # 1");
}

TEST_F(FlagConfigTest, NamesTheBadLineOfAConfigFile) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"[worker]\nthreads 4\n",
       "config c.conf:2: expected 'name = value', got 'threads 4'"},
      {"threads = 4\n",
       "config c.conf:1: 'threads' comes before any [section]"},
      {"[wrker]\n",
       "config c.conf:1: unknown section [wrker]; expected one "
       "of [master], [worker], [stream]"},
      {"[worker\n", "config c.conf:1: section header '[worker' lacks"},
      {"[worker]\n = 4\n", "config c.conf:2: a setting without a name"},
  };
  for (const Case& c : cases) {
    const auto settings = ParseFlagConfigText(c.text, "c.conf", "worker");
    ASSERT_FALSE(settings.ok()) << c.text;
    EXPECT_EQ(settings.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(settings.status().message(), HasSubstr(c.message));
  }
}

TEST_F(FlagConfigTest, TakesOnlyTheProgramsEnvironmentVariables) {
  char a[] = "TESSERA_WORKER_MAX_IN_FLIGHT=4";
  char b[] = "TESSERA_MASTER_THRESHOLD=92";
  char c[] = "TESSERA_DEMO_FRAMES=10";
  char d[] = "PATH=/bin";
  char* envp[] = {a, b, c, d, nullptr};
  const auto settings = FlagSettingsFromEnvironment("worker", envp);
  ASSERT_EQ(settings.size(), 1u);
  EXPECT_EQ(settings[0].name, "max_in_flight");
  EXPECT_EQ(settings[0].value, "4");
  EXPECT_EQ(settings[0].origin, "TESSERA_WORKER_MAX_IN_FLIGHT");
}

TEST_F(FlagConfigTest, AppliesValuesAndRefusesUnknownNamesAndBadValues) {
  ASSERT_TRUE(ApplyFlagSettings("worker", {{"test_threads", "3", "f:1"},
                                           {"test_name", "w1", "f:2"}})
                  .ok());
  EXPECT_EQ(absl::GetFlag(FLAGS_test_threads), 3);
  EXPECT_EQ(absl::GetFlag(FLAGS_test_name), "w1");

  const absl::Status unknown = ApplyFlagSettings(
      "worker", {{"test_thread", "3", "TESSERA_WORKER_TEST_THREAD"}});
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.message(),
            "TESSERA_WORKER_TEST_THREAD: tessera-worker has no flag "
            "--test_thread (see --help)");

  const absl::Status bad =
      ApplyFlagSettings("worker", {{"test_threads", "many", "f:9"}});
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.message(),
              HasSubstr("f:9: bad value 'many' for --test_threads"));
}

TEST_F(FlagConfigTest, EnvironmentOverridesTheConfigFile) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      ("flag_config_test_" + std::to_string(::getpid()) + ".conf");
  std::ofstream(path) << "[worker]\ntest_threads = 5\ntest_name = file\n";
  std::string config_arg = "--config=" + path.string();
  char program[] = "tessera-worker";
  char* argv[] = {program, config_arg.data(), nullptr};
  char env_threads[] = "TESSERA_WORKER_TEST_THREADS=7";
  char* envp[] = {env_threads, nullptr};
  ASSERT_TRUE(ApplyFlagConfig("worker", 2, argv, envp).ok());
  EXPECT_EQ(absl::GetFlag(FLAGS_test_threads), 7);
  EXPECT_EQ(absl::GetFlag(FLAGS_test_name), "file");

  // The file can come from $TESSERA_CONFIG too; a missing one is named.
  std::string env_config = "TESSERA_CONFIG=" + path.string() + ".missing";
  char* envp_missing[] = {env_config.data(), nullptr};
  const absl::Status missing = ApplyFlagConfig("worker", 1, argv, envp_missing);
  EXPECT_EQ(missing.message(),
            "config " + path.string() + ".missing cannot be read");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace tessera
