#include "tools/dn_samples_csv.h"

#include <cmath>
#include <fstream>
#include <iomanip>
#include <map>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/flag_values.h"
#include "common/guided_warp.h"
#include "worker/decision_features.h"
#include "worker/warp_options.h"

namespace tessera::tools {
namespace {

constexpr int kFixedColumns = 3;  // set, gap, agreement
constexpr absl::string_view kOriginPrefix = "# ";

std::string Header() {
  return absl::StrCat("set,gap,agreement,",
                      absl::StrJoin(worker::DecisionFeatureNames(), ","));
}

// One "# key: value" line; values may not span lines.
std::string OriginLine(absl::string_view key, absl::string_view value) {
  std::string flat(value);
  for (char& c : flat) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return absl::StrCat(kOriginPrefix, key, ": ", flat, "\n");
}

}  // namespace

absl::Status WriteDnSamplesCsv(const std::string& path,
                               const DnSampleSets& sets) {
  std::ofstream csv(path);
  csv << OriginLine("segmentation_model", sets.origin.segmentation_model)
      << OriginLine("flow", sets.origin.flow)
      << OriginLine("warps", sets.origin.carried_warps ? "carried" : "key")
      << OriginLine("window", sets.origin.window_margin < 0
                                  ? std::string("whole")
                                  : absl::StrCat(sets.origin.window_margin));
  if (sets.origin.warp_radius.has_value()) {
    csv << OriginLine("warp_radius",
                      SearchRadiusText(*sets.origin.warp_radius));
  }
  csv << OriginLine("warp_colour_threshold",
                    absl::StrCat(sets.origin.warp_colour_threshold))
      << OriginLine("warp_fill_threshold",
                    worker::FillThresholdText(sets.origin.warp_fill_threshold))
      << OriginLine("collection", sets.origin.collection)
      << OriginLine("command", sets.origin.command);
  // Nine significant digits write every float exactly, so that a fit from
  // the file equals the fit from the samples in memory.
  csv << std::setprecision(9) << Header() << "\n";
  for (const auto* set : {&sets.train, &sets.val}) {
    for (const DnSample& s : *set) {
      csv << (set == &sets.train ? "train" : "val") << "," << s.gap << ","
          << s.agreement;
      for (float f : s.features) csv << "," << f;
      csv << "\n";
    }
  }
  csv.close();
  if (!csv) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::StatusOr<DnSampleSets> ReadDnSamplesCsv(const std::string& path) {
  std::ifstream csv(path);
  if (!csv) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  DnSampleSets sets;
  std::map<std::string, std::string, std::less<>> origin;
  std::string line;
  int number = 0;
  const auto next_line = [&] {
    if (!std::getline(csv, line)) return false;
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();  // CRLF files
    return true;
  };
  const auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s:%d: %s", path, number, why));
  };
  // "# key: value", the space after the colon optional (an editor may
  // have trimmed it from an empty value, which must still be seen).
  while (next_line() && absl::StartsWith(line, kOriginPrefix)) {
    const std::vector<absl::string_view> kv =
        absl::StrSplit(absl::string_view(line).substr(kOriginPrefix.size()),
                       absl::MaxSplits(':', 1));
    if (kv.size() == 2) {
      origin[std::string(absl::StripAsciiWhitespace(kv[0]))] =
          std::string(absl::StripAsciiWhitespace(kv[1]));
    }
  }
  sets.origin.segmentation_model = origin["segmentation_model"];
  sets.origin.flow = origin["flow"];
  sets.origin.collection = origin["collection"];
  sets.origin.command = origin["command"];
  const std::string& warps = origin["warps"];
  if (!warps.empty() && warps != "key" && warps != "carried") {
    return bad(
        absl::StrFormat("\"# warps: %s\": expected key or carried", warps));
  }
  sets.origin.carried_warps = warps == "carried";
  // "whole" (or no line: files from before windows) or the core's margin.
  const std::string& window = origin["window"];
  if (!window.empty() && window != "whole" &&
      (!absl::SimpleAtoi(window, &sets.origin.window_margin) ||
       sets.origin.window_margin < 0)) {
    return bad(absl::StrFormat(
        "\"# window: %s\": expected whole or a margin in pixels", window));
  }
  // No line: files from before the radius was recorded.
  if (const auto entry = origin.find("warp_radius"); entry != origin.end()) {
    const std::string& radius = entry->second;
    sets.origin.warp_radius = ParseSearchRadius(radius);
    if (!sets.origin.warp_radius.has_value() ||
        !sets.origin.warp_radius->Within(kMaxGuidedWarpRadius)) {
      return bad(
          absl::StrFormat("\"# warp_radius: %s\": expected a radius 0..%d, or "
                          "ACROSSxUPDOWN such as 10x7",
                          radius, kMaxGuidedWarpRadius));
    }
  }
  // No line: files from before the threshold was recorded, all at 20.
  if (const auto entry = origin.find("warp_colour_threshold");
      entry != origin.end()) {
    const std::optional<int> threshold = ParseUnsigned(entry->second);
    if (!threshold.has_value() || !ColourThresholdInRange(*threshold)) {
      return bad(absl::StrFormat(
          "\"# warp_colour_threshold: %s\": expected a threshold 0..%d",
          entry->second, kMaxColourThreshold));
    }
    sets.origin.warp_colour_threshold = *threshold;
  }
  // No line: files from before the fill, whose warps filled nothing.
  if (const auto entry = origin.find("warp_fill_threshold");
      entry != origin.end()) {
    // Read as the flag is (whose message names the flag, not the line).
    const absl::StatusOr<int> threshold =
        worker::ParseFixedFillThreshold(entry->second);
    if (!threshold.ok()) {
      return bad(absl::StrFormat(
          "\"# warp_fill_threshold: %s\": expected a threshold 0..%d or off",
          entry->second, kMaxColourThreshold));
    }
    sets.origin.warp_fill_threshold = *threshold;
  }
  if (sets.origin.segmentation_model.empty() || sets.origin.flow.empty()) {
    return bad(
        "the file does not say which segmentation_model and flow collected "
        "its samples (\"# segmentation_model: NAME\" and \"# flow: NAME\" "
        "above the header)");
  }
  if (line != Header()) {
    return bad(absl::StrFormat(
        "the header is not \"%s\" (samples of another feature set?)",
        Header()));
  }
  while (next_line()) {
    if (line.empty()) continue;
    const std::vector<absl::string_view> cells = absl::StrSplit(line, ',');
    if (cells.size() != kFixedColumns + worker::kDecisionFeatureCount) {
      return bad(
          absl::StrFormat("%d cells, expected %d", cells.size(),
                          kFixedColumns + worker::kDecisionFeatureCount));
    }
    DnSample sample;
    if (!absl::SimpleAtoi(cells[1], &sample.gap) || sample.gap < 0 ||
        !absl::SimpleAtof(cells[2], &sample.agreement) ||
        !(sample.agreement >= 0 && sample.agreement <= 100)) {
      return bad("the gap or the agreement is not a number in range");
    }
    for (int f = 0; f < worker::kDecisionFeatureCount; ++f) {
      if (!absl::SimpleAtof(cells[kFixedColumns + f], &sample.features[f]) ||
          !std::isfinite(sample.features[f])) {
        return bad(absl::StrCat("feature ", worker::DecisionFeatureNames()[f],
                                " is not a finite number"));
      }
    }
    if (cells[0] == "train") {
      sets.train.push_back(sample);
    } else if (cells[0] == "val") {
      sets.val.push_back(sample);
    } else {
      return bad(
          absl::StrCat("the set is \"", cells[0], "\", expected train or val"));
    }
  }
  if (csv.bad()) return absl::DataLossError(absl::StrCat("cannot read ", path));
  return sets;
}

}  // namespace tessera::tools
