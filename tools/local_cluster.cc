#include "tools/local_cluster.h"

#include <cstdio>

#include "absl/strings/str_cat.h"

namespace tessera {

LocalCluster::LocalCluster(ClusterOptions options)
    : options_(std::move(options)) {}

std::string LocalCluster::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

bool LocalCluster::Start() {
  const std::string port_file =
      options_.log_dir + "/" + options_.name + "-master.port";
  const std::string http_port_file =
      options_.log_dir + "/" + options_.name + "-master.http-port";
  std::remove(port_file.c_str());
  std::remove(http_port_file.c_str());
  std::vector<std::string> argv = {
      options_.master_binary, "--listen=127.0.0.1:0",
      "--port_file=" + port_file, "--http_listen=127.0.0.1:0",
      "--http_port_file=" + http_port_file};
  argv.insert(argv.end(), options_.master_flags.begin(),
              options_.master_flags.end());
  master_ = std::make_unique<ChildProcess>(
      argv, options_.log_dir + "/" + options_.name + "-master.log");
  port_ = WaitForPortFile(port_file, 10000);
  if (port_ == 0) return false;
  // Written before the gRPC port file, so it is there already.
  http_port_ = WaitForPortFile(http_port_file, 1000);
  for (int i = 0; i < options_.workers; ++i) AddWorker();
  return options_.workers == 0 || WaitForWorkers(options_.workers, 30000);
}

int LocalCluster::AddWorker(const std::vector<std::string>& extra_flags) {
  const int index = static_cast<int>(workers_.size());
  std::vector<std::string> argv = {
      options_.worker_binary, "--master=" + address(),
      absl::StrCat("--name=", options_.name, "-w", index), "--threads=1",
      "--probe_size=64x64"};
  if (options_.model.empty()) {
    argv.push_back("--backend=null");
  } else {
    argv.push_back("--model=" + options_.model);
  }
  argv.insert(argv.end(), options_.worker_flags.begin(),
              options_.worker_flags.end());
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  workers_.push_back(std::make_unique<ChildProcess>(
      argv,
      absl::StrCat(options_.log_dir, "/", options_.name, "-w", index, ".log")));
  return index;
}

bool LocalCluster::WaitForWorkers(int count, int timeout_ms) {
  return WaitForLog(*master_, absl::StrCat(" ", count, " registered"),
                    timeout_ms);
}

}  // namespace tessera
