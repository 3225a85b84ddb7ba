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
  if (!StartMaster(0, 0)) return false;
  for (int i = 0; i < options_.workers; ++i) AddWorker();
  return options_.workers == 0 || WaitForWorkers(options_.workers, 30000);
}

bool LocalCluster::RestartMaster() { return StartMaster(port_, http_port_); }

bool LocalCluster::StartMaster(int port, int http_port) {
  const std::string prefix =
      options_.log_dir + "/" + options_.name + "-master" +
      (masters_started_ > 0 ? absl::StrCat("-", masters_started_ + 1)
                            : std::string());
  ++masters_started_;
  const std::string port_file = prefix + ".port";
  const std::string http_port_file = prefix + ".http-port";
  std::remove(port_file.c_str());
  std::remove(http_port_file.c_str());
  std::vector<std::string> argv = {
      options_.master_binary, absl::StrCat("--listen=127.0.0.1:", port),
      "--port_file=" + port_file,
      absl::StrCat("--http_listen=127.0.0.1:", http_port),
      "--http_port_file=" + http_port_file};
  argv.insert(argv.end(), options_.master_flags.begin(),
              options_.master_flags.end());
  master_ = std::make_unique<ChildProcess>(argv, prefix + ".log");
  port_ = WaitForPortFile(port_file, 10000);
  if (port_ == 0) return false;
  // Written before the gRPC port file, so it is there already.
  http_port_ = WaitForPortFile(http_port_file, 1000);
  return true;
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
