// A real master and N real workers on loopback, for integration tests.
//
//   LocalCluster cluster({.workers = 3, .model = model_path});
//   ASSERT_TRUE(cluster.Start());
//   RunStream({.master = cluster.address(), ...});
//   cluster.worker(1).Kill(SIGKILL);
#ifndef TESSERA_TESTS_INTEGRATION_LOCAL_CLUSTER_H_
#define TESSERA_TESTS_INTEGRATION_LOCAL_CLUSTER_H_

#include <memory>
#include <string>
#include <vector>

#include "tests/integration/subprocess.h"

namespace tessera::testing {

struct ClusterOptions {
  int workers = 1;
  std::string model;  // empty: the null backend
  std::vector<std::string> master_flags;
  std::vector<std::string> worker_flags;
  std::string name = "cluster";  // prefix of log files
};

class LocalCluster {
 public:
  explicit LocalCluster(ClusterOptions options);
  // Starts the master, then the workers, and waits until all registered.
  bool Start();
  // Starts one more worker, with `extra_flags` after the cluster's worker
  // flags; returns its index.
  int AddWorker(const std::vector<std::string>& extra_flags = {});
  bool WaitForWorkers(int count, int timeout_ms);

  std::string address() const;
  int port() const { return port_; }
  int http_port() const { return http_port_; }  // /metrics, /readyz
  Subprocess& master() { return *master_; }
  Subprocess& worker(int i) { return *workers_[i]; }

 private:
  ClusterOptions options_;
  int port_ = 0;
  int http_port_ = 0;
  std::unique_ptr<Subprocess> master_;
  std::vector<std::unique_ptr<Subprocess>> workers_;
};

}  // namespace tessera::testing

#endif  // TESSERA_TESTS_INTEGRATION_LOCAL_CLUSTER_H_
