#include "tests/integration/local_cluster.h"

namespace tessera::testing {
namespace {

ClusterOptions WithTestDefaults(ClusterOptions options) {
  if (options.master_binary.empty()) {
    options.master_binary = TESSERA_MASTER_BINARY;
  }
  if (options.worker_binary.empty()) {
    options.worker_binary = TESSERA_WORKER_BINARY;
  }
  if (options.log_dir.empty()) options.log_dir = TempDir();
  return options;
}

}  // namespace

LocalCluster::LocalCluster(ClusterOptions options)
    : tessera::LocalCluster(WithTestDefaults(std::move(options))) {}

}  // namespace tessera::testing
