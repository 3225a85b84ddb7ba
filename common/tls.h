// TLS for every gRPC port, from the same four flags in the master, the
// workers and tessera-stream (defined in tls.cc):
//
//   --tls_cert, --tls_key  this process's certificate chain and private key
//                          (PEM). On the master they turn TLS on; on a
//                          worker they are its client certificate.
//   --tls_ca               the CA that the peers' certificates must chain to.
//                          On a worker or client it turns TLS on and checks
//                          the master; on the master it turns on mutual TLS
//                          for workers: a worker must show a certificate this
//                          CA signed (clients still need only the token).
//   --tls_server_name      the name the master's certificate must carry, when
//                          it differs from the host in --master.
//
// Without them, gRPC runs in plain text, and each program says so at start.
#ifndef TESSERA_COMMON_TLS_H_
#define TESSERA_COMMON_TLS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace grpc {
class ChannelArguments;
class ChannelCredentials;
class ServerCredentials;
}  // namespace grpc

namespace tessera {

// Which end of a connection to the master a process is.
enum class TlsSide { kMaster, kPeer /* worker or client */ };

// The PEM files the flags name, read.
struct TlsFiles {
  std::string cert_chain;   // --tls_cert
  std::string private_key;  // --tls_key
  std::string ca;           // --tls_ca
  std::string server_name;  // --tls_server_name (not a file)
};

// Reads the files the --tls_* flags name. INVALID_ARGUMENT naming the flag
// when a file cannot be read or does not hold PEM, when only one of
// --tls_cert and --tls_key is given, and when the flags do not make sense
// for `side` (a master with a CA but no certificate, a peer with a
// certificate but no CA).
absl::StatusOr<TlsFiles> TlsFilesFromFlags(TlsSide side);

// The master's listening credentials: plain text when `files` has no
// certificate; TLS with it; and, when `files.ca` is set too, TLS that asks
// every peer for a certificate and verifies those given against the CA
// (MasterServices then refuses workers that gave none).
std::shared_ptr<grpc::ServerCredentials> MasterServerCredentials(
    const TlsFiles& files);

// Whether MasterServerCredentials(files) asks workers for a certificate.
bool RequiresWorkerCertificate(const TlsFiles& files);

// A worker's or client's credentials for reaching the master: plain text
// when `files.ca` is empty, else TLS checking the master against it and
// presenting `files.cert_chain` when set. Adds the server-name override to
// `args`.
std::shared_ptr<grpc::ChannelCredentials> MasterChannelCredentials(
    const TlsFiles& files, grpc::ChannelArguments& args);

// For the start-up line: "plain text (no TLS)", "TLS", "mutual TLS", or
// on the master "TLS, workers need a certificate".
std::string DescribeTls(const TlsFiles& files, TlsSide side);

}  // namespace tessera

#endif  // TESSERA_COMMON_TLS_H_
