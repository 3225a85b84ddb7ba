#include "tools/dn_samples_csv.h"

#include <fstream>
#include <iomanip>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "worker/decision_features.h"

namespace tessera::tools {
namespace {

constexpr int kFixedColumns = 3;  // set, gap, agreement

std::string Header() {
  return absl::StrCat("set,gap,agreement,",
                      absl::StrJoin(worker::DecisionFeatureNames(), ","));
}

}  // namespace

absl::Status WriteDnSamplesCsv(const std::string& path,
                               const std::vector<DnSample>& train,
                               const std::vector<DnSample>& val) {
  std::ofstream csv(path);
  // Nine significant digits write every float exactly, so that a fit from
  // the file equals the fit from the samples in memory.
  csv << std::setprecision(9) << Header() << "\n";
  for (const auto* set : {&train, &val}) {
    for (const DnSample& s : *set) {
      csv << (set == &train ? "train" : "val") << "," << s.gap << ","
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
  std::string line;
  if (!std::getline(csv, line) || line != Header()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s:1: the header is not \"%s\" (samples of another feature set?)",
        path, Header()));
  }
  DnSampleSets sets;
  for (int number = 2; std::getline(csv, line); ++number) {
    if (line.empty()) continue;
    const std::vector<absl::string_view> cells = absl::StrSplit(line, ',');
    const auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s:%d: %s", path, number, why));
    };
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
      if (!absl::SimpleAtof(cells[kFixedColumns + f], &sample.features[f])) {
        return bad(absl::StrCat("feature ", worker::DecisionFeatureNames()[f],
                                " is not a number"));
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
  return sets;
}

}  // namespace tessera::tools
