// The local cluster of tools/local_cluster.h with this build's master and
// worker binaries, logging into the test's private folder.
//
//   LocalCluster cluster({.workers = 3, .model = model_path});
//   ASSERT_TRUE(cluster.Start());
//   RunStream({.master = cluster.address(), ...});
//   cluster.worker(1).Kill(SIGKILL);
#ifndef TESSERA_TESTS_INTEGRATION_LOCAL_CLUSTER_H_
#define TESSERA_TESTS_INTEGRATION_LOCAL_CLUSTER_H_

#include "tests/integration/subprocess.h"
#include "tools/local_cluster.h"

namespace tessera::testing {

class LocalCluster : public tessera::LocalCluster {
 public:
  // Binaries and log folder are filled in where `options` leaves them empty.
  explicit LocalCluster(ClusterOptions options);
};

}  // namespace tessera::testing

#endif  // TESSERA_TESTS_INTEGRATION_LOCAL_CLUSTER_H_
