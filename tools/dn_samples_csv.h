// Decision network samples as CSV, so that one collection (which runs the
// segmentation network on every frame: minutes) serves many fits (seconds).
// Above the header, "# key: value" lines say where the samples came from
// (segmentation_model, flow, warps, window, warp_radius,
// warp_colour_threshold, warp_fill_threshold, collection, command), so that
// a network fitted to the file can say what it was trained for. Columns:
// set (train | val), gap, agreement, then the features in the worker's order
// (worker/decision_features.h), under a header naming them.
//
//   RETURN_IF_ERROR(WriteDnSamplesCsv("samples.csv", sets));
//   ASSIGN_OR_RETURN(DnSampleSets sets, ReadDnSamplesCsv("samples.csv"));
#ifndef TESSERA_TOOLS_DN_SAMPLES_CSV_H_
#define TESSERA_TOOLS_DN_SAMPLES_CSV_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/guided_warp.h"
#include "common/search_radius.h"
#include "tools/dn_dataset.h"

namespace tessera::tools {

struct DnSampleOrigin {
  std::string segmentation_model;  // the model card's name
  std::string flow;                // the flow backend's name
  // What the samples' warps started from: the key ("key", the paper), or
  // the newest frame warped from it ("carried"). A file without the line is
  // read as "key".
  bool carried_warps = false;
  // The flow path's window: each region's core grown by this many pixels,
  // or the whole region (-1; also a file without the line).
  int window_margin = -1;
  // The guided warp's search radius ("7" or "10x7" in the file), or
  // nullopt: not known (a file without the line).
  std::optional<SearchRadius> warp_radius;
  // The guided warp's colour threshold; kDefaultColourThreshold for a file
  // without the line, the only threshold there was before it.
  int warp_colour_threshold = kDefaultColourThreshold;
  // The guided warp's fill threshold ("off" in the file: kNoFill); kNoFill
  // for a file without the line, from before warps were filled.
  int warp_fill_threshold = kNoFill;
  std::string collection;  // key gaps, grid, target, warp settings
  std::string command;     // the command line that collected them
};

struct DnSampleSets {
  DnSampleOrigin origin;
  std::vector<DnSample> train;
  std::vector<DnSample> val;
};

absl::Status WriteDnSamplesCsv(const std::string& path,
                               const DnSampleSets& sets);

// NOT_FOUND for a missing file; INVALID_ARGUMENT naming the line for a file
// that does not say which model and flow collected it, a header with other
// features (a file from another version of the worker), or a malformed
// row (non-finite or out-of-range numbers included).
absl::StatusOr<DnSampleSets> ReadDnSamplesCsv(const std::string& path);

}  // namespace tessera::tools

#endif  // TESSERA_TOOLS_DN_SAMPLES_CSV_H_
