#include "common/tls.h"

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "common/file_bytes.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/support/channel_arguments.h"

ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain of this process: on the master it turns TLS "
          "on; on a worker it is the client certificate for mutual TLS");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA certificate the peers' certificates must chain to: on a "
          "worker or client it turns TLS on and checks the master; on the "
          "master it requires workers to show a certificate it signed");
ABSL_FLAG(std::string, tls_server_name, "",
          "name the master's certificate must carry when it is not the host "
          "in --master (workers and clients)");

namespace tessera {
namespace {

absl::StatusOr<std::string> ReadPem(const char* flag, const std::string& path,
                                    const char* expected_block) {
  if (path.empty()) return std::string();
  absl::StatusOr<std::string> pem = ReadFileBytes(path);
  if (!pem.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--%s=%s cannot be read", flag, path));
  }
  // Checked here so that a swapped or truncated file is named at start,
  // not reported by the TLS library as a handshake failure much later.
  if (!absl::StrContains(*pem, "-----BEGIN ") ||
      !absl::StrContains(*pem, expected_block)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--%s=%s is not a PEM file holding %s", flag, path, expected_block));
  }
  return pem;
}

}  // namespace

absl::StatusOr<TlsFiles> TlsFilesFromFlags(TlsSide side) {
  TlsFiles files;
  absl::StatusOr<std::string> cert =
      ReadPem("tls_cert", absl::GetFlag(FLAGS_tls_cert), "CERTIFICATE");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key =
      ReadPem("tls_key", absl::GetFlag(FLAGS_tls_key), "PRIVATE KEY");
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> ca =
      ReadPem("tls_ca", absl::GetFlag(FLAGS_tls_ca), "CERTIFICATE");
  if (!ca.ok()) return ca.status();
  if (cert->empty() != key->empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert and --tls_key go together: give both or neither");
  }
  if (side == TlsSide::kMaster && cert->empty() && !ca->empty()) {
    return absl::InvalidArgumentError(
        "--tls_ca on the master needs --tls_cert and --tls_key: mutual TLS "
        "for workers is TLS first");
  }
  if (side == TlsSide::kPeer && !cert->empty() && ca->empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert needs --tls_ca: the master's certificate must be "
        "checked before this one is shown to it");
  }
  files.cert_chain = *std::move(cert);
  files.private_key = *std::move(key);
  files.ca = *std::move(ca);
  files.server_name = absl::GetFlag(FLAGS_tls_server_name);
  return files;
}

std::shared_ptr<grpc::ServerCredentials> MasterServerCredentials(
    const TlsFiles& files) {
  if (files.cert_chain.empty()) return grpc::InsecureServerCredentials();
  // With a CA, every peer is asked for a certificate, and one that is given
  // must verify; none is required at the handshake, because clients
  // (tessera-stream) connect to the same port without one. MasterServices
  // refuses a worker whose peer is not authenticated.
  grpc::SslServerCredentialsOptions options(
      RequiresWorkerCertificate(files)
          ? GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY
          : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_root_certs = files.ca;
  options.pem_key_cert_pairs.push_back({files.private_key, files.cert_chain});
  return grpc::SslServerCredentials(options);
}

bool RequiresWorkerCertificate(const TlsFiles& files) {
  return !files.cert_chain.empty() && !files.ca.empty();
}

std::shared_ptr<grpc::ChannelCredentials> MasterChannelCredentials(
    const TlsFiles& files, grpc::ChannelArguments& args) {
  if (files.ca.empty()) return grpc::InsecureChannelCredentials();
  if (!files.server_name.empty()) {
    args.SetSslTargetNameOverride(files.server_name);
  }
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = files.ca;
  options.pem_private_key = files.private_key;
  options.pem_cert_chain = files.cert_chain;
  return grpc::SslCredentials(options);
}

std::string DescribeTls(const TlsFiles& files, TlsSide side) {
  if (side == TlsSide::kMaster) {
    if (files.cert_chain.empty()) return "plain text (no TLS)";
    return RequiresWorkerCertificate(files) ? "TLS, workers need a certificate"
                                            : "TLS";
  }
  if (files.ca.empty()) return "plain text (no TLS)";
  return files.cert_chain.empty() ? "TLS" : "mutual TLS";
}

}  // namespace tessera
