#include "worker/warp_options.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/flag_values.h"
#include "common/status_macros.h"
#include "worker/model_card.h"

namespace tessera::worker {
namespace {

// The id of the class called `name` (any case), or -1.
int ClassIdOf(const v1::ModelCard& card, absl::string_view name) {
  for (int id = 0; id < card.class_names_size(); ++id) {
    if (absl::EqualsIgnoreCase(card.class_names(id), name)) return id;
  }
  return -1;
}

// A worker's flag: "auto" (nullopt: what its decision network learned)
// or what `parse`, tessera-train-dn's parser of the flag, reads.
template <typename T>
absl::StatusOr<std::optional<T>> AutoOr(
    absl::string_view flag, absl::StatusOr<T> (*parse)(absl::string_view)) {
  if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(flag), "auto")) {
    return std::nullopt;
  }
  absl::StatusOr<T> value = parse(flag);
  if (!value.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(value.status().message(), ", or auto"));
  }
  return *value;
}

}  // namespace

absl::StatusOr<std::vector<uint8_t>> RelocatedClasses(
    absl::string_view flag, const v1::ModelCard& card) {
  std::vector<uint8_t> ids;
  const absl::string_view value = absl::StripAsciiWhitespace(flag);
  if (value.empty() || absl::EqualsIgnoreCase(value, "none")) return ids;
  if (absl::EqualsIgnoreCase(value, "auto")) {
    if (const int pole = ClassIdOf(card, "Pole"); pole >= 0) {
      ids.push_back(static_cast<uint8_t>(pole));
    }
    return ids;
  }
  for (absl::string_view name :
       absl::StrSplit(value, ',', absl::SkipWhitespace())) {
    name = absl::StripAsciiWhitespace(name);
    const int id = ClassIdOf(card, name);
    if (id < 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--relocate_classes: model %s has no class '%s' (its classes: %s)",
          card.name(), name, absl::StrJoin(card.class_names(), ", ")));
    }
    ids.push_back(static_cast<uint8_t>(id));
  }
  return ids;
}

absl::StatusOr<SearchRadius> ParseFixedWarpRadius(absl::string_view flag) {
  const std::optional<SearchRadius> radius = ParseSearchRadius(flag);
  if (!radius.has_value() || !radius->Within(kMaxGuidedWarpRadius)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--warp_radius=%s: must be 0..%d, or ACROSSxUPDOWN "
                        "such as 10x7 (each 0..%d)",
                        flag, kMaxGuidedWarpRadius, kMaxGuidedWarpRadius));
  }
  return *radius;
}

absl::StatusOr<std::optional<SearchRadius>> ParseWarpRadius(
    absl::string_view flag) {
  return AutoOr(flag, ParseFixedWarpRadius);
}

std::optional<SearchRadius> LearnedWarpRadius(
    const v1::DecisionNetwork& network) {
  if (!network.has_warp_radius()) return std::nullopt;
  return SearchRadius(network.has_warp_radius_x() ? network.warp_radius_x()
                                                  : network.warp_radius(),
                      network.warp_radius());
}

void RecordWarpRadius(SearchRadius radius, v1::DecisionNetwork* network) {
  network->set_warp_radius(radius.y);
  if (radius.Square()) {
    network->clear_warp_radius_x();
  } else {
    network->set_warp_radius_x(radius.x);
  }
}

SearchRadius WarpRadiusFor(std::optional<SearchRadius> chosen,
                           const v1::DecisionNetwork& network) {
  if (chosen.has_value()) return *chosen;
  return LearnedWarpRadius(network).value_or(kDefaultWarpRadius);
}

absl::StatusOr<int> ParseFixedColourThreshold(absl::string_view flag) {
  const std::optional<int> threshold = ParseUnsigned(flag);
  if (!threshold.has_value() || !ColourThresholdInRange(*threshold)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--warp_colour_threshold=%s: must be 0..%d (L1 over RGB)", flag,
        kMaxColourThreshold));
  }
  return *threshold;
}

int LearnedColourThreshold(const v1::DecisionNetwork& network) {
  return network.has_warp_colour_threshold() ? network.warp_colour_threshold()
                                             : kDefaultColourThreshold;
}

absl::StatusOr<int> ParseFixedFillThreshold(absl::string_view flag) {
  if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(flag), "off")) {
    return kNoFill;
  }
  const std::optional<int> threshold = ParseUnsigned(flag);
  if (!threshold.has_value() || !ColourThresholdInRange(*threshold)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--warp_fill_threshold=%s: must be 0..%d (L1 over RGB) or off", flag,
        kMaxColourThreshold));
  }
  return *threshold;
}

std::string FillThresholdText(int threshold) {
  return threshold >= kNoFill ? "off" : absl::StrCat(threshold);
}

int LearnedFillThreshold(const v1::DecisionNetwork& network) {
  return network.has_warp_fill_threshold() ? network.warp_fill_threshold()
                                           : kNoFill;
}

void RecordFillThreshold(int threshold, v1::DecisionNetwork* network) {
  if (threshold >= kNoFill) {
    network->clear_warp_fill_threshold();
  } else {
    network->set_warp_fill_threshold(threshold);
  }
}

absl::StatusOr<WarpChoice> ParseWarpChoice(absl::string_view radius_flag,
                                           absl::string_view colour_flag,
                                           absl::string_view fill_flag) {
  WarpChoice choice;
  ASSIGN_OR_RETURN(choice.radius, ParseWarpRadius(radius_flag));
  ASSIGN_OR_RETURN(choice.colour_threshold,
                   AutoOr(colour_flag, ParseFixedColourThreshold));
  ASSIGN_OR_RETURN(choice.fill_threshold,
                   AutoOr(fill_flag, ParseFixedFillThreshold));
  return choice;
}

void SettleWarp(const WarpChoice& chosen, const v1::DecisionNetwork& network,
                GuidedWarpOptions* warp) {
  warp->radius = WarpRadiusFor(chosen.radius, network);
  warp->colour_threshold =
      chosen.colour_threshold.value_or(LearnedColourThreshold(network));
  warp->fill_threshold =
      chosen.fill_threshold.value_or(LearnedFillThreshold(network));
}

std::vector<std::string> UnlearnedWarpSettings(
    const GuidedWarpOptions& warp, const v1::DecisionNetwork& network) {
  std::vector<std::string> unlearned;
  if (const std::optional<SearchRadius> radius = LearnedWarpRadius(network);
      radius.has_value() && warp.radius != *radius) {
    unlearned.push_back(absl::StrFormat("--warp_radius=%s (it learned %s)",
                                        SearchRadiusText(warp.radius),
                                        SearchRadiusText(*radius)));
  }
  if (const int threshold = LearnedColourThreshold(network);
      warp.colour_threshold != threshold) {
    unlearned.push_back(
        absl::StrFormat("--warp_colour_threshold=%d (it learned %d)",
                        warp.colour_threshold, threshold));
  }
  if (const int fill = LearnedFillThreshold(network);
      warp.fill_threshold != fill) {
    unlearned.push_back(absl::StrFormat(
        "--warp_fill_threshold=%s (it learned %s)",
        FillThresholdText(warp.fill_threshold), FillThresholdText(fill)));
  }
  return unlearned;
}

absl::StatusOr<GuidedWarpOptions> WarpOptionsFor(
    SearchRadius radius, absl::string_view relocate_classes,
    const std::string& card_path) {
  GuidedWarpOptions warp;
  warp.radius = radius;
  if (!radius.Within(kMaxGuidedWarpRadius)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--warp_radius=%s: must be 0..%d each way",
                        SearchRadiusText(radius), kMaxGuidedWarpRadius));
  }
  absl::StatusOr<v1::ModelCard> card = LoadModelCard(card_path);
  if (!card.ok()) {
    // Only named classes need the card: a backend without a model file
    // relocates nothing.
    const absl::string_view value =
        absl::StripAsciiWhitespace(relocate_classes);
    if (value.empty() || absl::EqualsIgnoreCase(value, "auto") ||
        absl::EqualsIgnoreCase(value, "none")) {
      return warp;
    }
    return absl::Status(
        card.status().code(),
        absl::StrFormat("--relocate_classes=%s needs the model's card: %s",
                        relocate_classes, card.status().message()));
  }
  ASSIGN_OR_RETURN(warp.relocation.labels,
                   RelocatedClasses(relocate_classes, *card));
  return warp;
}

}  // namespace tessera::worker
