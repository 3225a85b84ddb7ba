// Decision network samples as CSV, so that one collection (which runs the
// segmentation network on every frame: minutes) serves many fits (seconds).
// Columns: set (train | val), gap, agreement, then the features in the
// worker's order (worker/decision_features.h), under a header naming them.
//
//   RETURN_IF_ERROR(WriteDnSamplesCsv("samples.csv", train, val));
//   ASSIGN_OR_RETURN(DnSampleSets sets, ReadDnSamplesCsv("samples.csv"));
#ifndef TESSERA_TOOLS_DN_SAMPLES_CSV_H_
#define TESSERA_TOOLS_DN_SAMPLES_CSV_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tools/dn_dataset.h"

namespace tessera::tools {

struct DnSampleSets {
  std::vector<DnSample> train;
  std::vector<DnSample> val;
};

absl::Status WriteDnSamplesCsv(const std::string& path,
                               const std::vector<DnSample>& train,
                               const std::vector<DnSample>& val);

// NOT_FOUND for a missing file; INVALID_ARGUMENT naming the line for a
// header with other features (a file from another version of the worker)
// or a malformed row.
absl::StatusOr<DnSampleSets> ReadDnSamplesCsv(const std::string& path);

}  // namespace tessera::tools

#endif  // TESSERA_TOOLS_DN_SAMPLES_CSV_H_
