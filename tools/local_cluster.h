// A real master and N real workers on loopback, as child processes: for
// tessera-bench and the integration tests.
//
//   LocalCluster cluster({.workers = 3, .model = model_path,
//                         .master_binary = ..., .worker_binary = ...,
//                         .log_dir = "/tmp/run"});
//   if (!cluster.Start()) ... cluster.master().log() says why
//   RunStream({.master = cluster.address(), ...});
//   cluster.worker(1).Kill(SIGKILL);
#ifndef TESSERA_TOOLS_LOCAL_CLUSTER_H_
#define TESSERA_TOOLS_LOCAL_CLUSTER_H_

#include <memory>
#include <string>
#include <vector>

#include "tools/child_process.h"

namespace tessera {

struct ClusterOptions {
  int workers = 1;
  std::string model;  // empty: the null backend
  std::vector<std::string> master_flags;
  std::vector<std::string> worker_flags;
  std::string name = "cluster";  // prefix of worker names and log files
  std::string master_binary;
  std::string worker_binary;
  std::string log_dir;  // <name>-master.log, <name>-wN.log, port files
};

class LocalCluster {
 public:
  explicit LocalCluster(ClusterOptions options);
  // Starts the master, then the workers, and waits until all registered.
  bool Start();
  // Starts one more worker, with `extra_flags` after the cluster's worker
  // flags; returns its index.
  int AddWorker(const std::vector<std::string>& extra_flags = {});
  // Waits for the current master to say that `count` workers are registered.
  bool WaitForWorkers(int count, int timeout_ms);
  // Starts a new master on the old one's ports, after the caller stopped it;
  // the workers find it again by themselves. False if it does not come up.
  bool RestartMaster();

  std::string address() const;
  int port() const { return port_; }
  int http_port() const { return http_port_; }  // /metrics, /readyz
  ChildProcess& master() { return *master_; }
  ChildProcess& worker(int i) { return *workers_[i]; }
  int worker_count() const { return static_cast<int>(workers_.size()); }

 private:
  // Starts a master listening on `port` and `http_port` (0: any free one).
  bool StartMaster(int port, int http_port);

  ClusterOptions options_;
  int masters_started_ = 0;  // names each master's log
  int port_ = 0;
  int http_port_ = 0;
  std::unique_ptr<ChildProcess> master_;
  std::vector<std::unique_ptr<ChildProcess>> workers_;
};

}  // namespace tessera

#endif  // TESSERA_TOOLS_LOCAL_CLUSTER_H_
