#include "common/tls.h"

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/temp_file.h"

ABSL_DECLARE_FLAG(std::string, tls_cert);
ABSL_DECLARE_FLAG(std::string, tls_key);
ABSL_DECLARE_FLAG(std::string, tls_ca);
ABSL_DECLARE_FLAG(std::string, tls_server_name);

namespace tessera {
namespace {

using ::testing::HasSubstr;
using testing::WriteTempFile;

// Only the PEM framing is checked at start; the TLS library checks the
// content when it builds the credentials.
const std::string kCertificate =
    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const std::string kKey =
    "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n";

class TlsFlagsTest : public ::testing::Test {
 protected:
  struct Flags {
    std::string cert, key, ca, server_name;
  };
  static absl::StatusOr<TlsFiles> Read(TlsSide side, const Flags& flags) {
    absl::SetFlag(&FLAGS_tls_cert, flags.cert);
    absl::SetFlag(&FLAGS_tls_key, flags.key);
    absl::SetFlag(&FLAGS_tls_ca, flags.ca);
    absl::SetFlag(&FLAGS_tls_server_name, flags.server_name);
    return TlsFilesFromFlags(side);
  }
  static std::string Error(TlsSide side, const Flags& flags) {
    return std::string(Read(side, flags).status().message());
  }

  absl::FlagSaver saver_;  // the flags go back to "" after each test
  const std::string cert_ = WriteTempFile("tls-cert", kCertificate);
  const std::string key_ = WriteTempFile("tls-key", kKey);
  const std::string ca_ = WriteTempFile("tls-ca", kCertificate);
};

TEST_F(TlsFlagsTest, NoFlagsIsPlainTextOnBothSides) {
  absl::StatusOr<TlsFiles> master = Read(TlsSide::kMaster, {});
  ASSERT_TRUE(master.ok()) << master.status();
  EXPECT_EQ(DescribeTls(*master, TlsSide::kMaster), "plain text (no TLS)");
  EXPECT_FALSE(RequiresWorkerCertificate(*master));
  absl::StatusOr<TlsFiles> peer = Read(TlsSide::kPeer, {});
  ASSERT_TRUE(peer.ok()) << peer.status();
  EXPECT_EQ(DescribeTls(*peer, TlsSide::kPeer), "plain text (no TLS)");
}

TEST_F(TlsFlagsTest, EachSideSaysWhichTlsItRuns) {
  absl::StatusOr<TlsFiles> tls =
      Read(TlsSide::kMaster, {.cert = cert_, .key = key_});
  ASSERT_TRUE(tls.ok()) << tls.status();
  EXPECT_EQ(tls->cert_chain, kCertificate);
  EXPECT_EQ(tls->private_key, kKey);
  EXPECT_EQ(DescribeTls(*tls, TlsSide::kMaster), "TLS");
  EXPECT_FALSE(RequiresWorkerCertificate(*tls));

  absl::StatusOr<TlsFiles> mutual =
      Read(TlsSide::kMaster, {.cert = cert_, .key = key_, .ca = ca_});
  ASSERT_TRUE(mutual.ok()) << mutual.status();
  EXPECT_EQ(DescribeTls(*mutual, TlsSide::kMaster),
            "TLS, workers need a certificate");
  EXPECT_TRUE(RequiresWorkerCertificate(*mutual));

  absl::StatusOr<TlsFiles> client =
      Read(TlsSide::kPeer, {.ca = ca_, .server_name = "master"});
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_EQ(client->server_name, "master");
  EXPECT_EQ(DescribeTls(*client, TlsSide::kPeer), "TLS");
  absl::StatusOr<TlsFiles> worker =
      Read(TlsSide::kPeer, {.cert = cert_, .key = key_, .ca = ca_});
  ASSERT_TRUE(worker.ok()) << worker.status();
  EXPECT_EQ(DescribeTls(*worker, TlsSide::kPeer), "mutual TLS");
}

TEST_F(TlsFlagsTest, UnreadableOrNonPemFilesAreNamed) {
  EXPECT_EQ(
      Error(TlsSide::kMaster, {.cert = "/nonexistent/master.crt", .key = key_}),
      "--tls_cert=/nonexistent/master.crt cannot be read");
  const std::string text = WriteTempFile("tls-text", "not a certificate\n");
  EXPECT_EQ(Error(TlsSide::kPeer, {.ca = text}),
            "--tls_ca=" + text + " is not a PEM file holding CERTIFICATE");
  // A certificate where the key belongs: swapped flags are caught at start.
  EXPECT_EQ(Error(TlsSide::kMaster, {.cert = cert_, .key = cert_}),
            "--tls_key=" + cert_ + " is not a PEM file holding PRIVATE KEY");
}

TEST_F(TlsFlagsTest, FlagsThatDoNotMakeSenseTogetherAreRefused) {
  EXPECT_THAT(Error(TlsSide::kMaster, {.cert = cert_}),
              HasSubstr("--tls_cert and --tls_key go together"));
  EXPECT_THAT(Error(TlsSide::kPeer, {.key = key_, .ca = ca_}),
              HasSubstr("--tls_cert and --tls_key go together"));
  EXPECT_THAT(Error(TlsSide::kMaster, {.ca = ca_}),
              HasSubstr("--tls_ca on the master needs --tls_cert"));
  EXPECT_THAT(Error(TlsSide::kPeer, {.cert = cert_, .key = key_}),
              HasSubstr("--tls_cert needs --tls_ca"));
}

}  // namespace
}  // namespace tessera
