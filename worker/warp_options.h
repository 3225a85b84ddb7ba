// The flow path's warp as the workers' and tessera-train-dn's flags give
// it: --warp_radius, --warp_colour_threshold and --warp_fill_threshold
// (common/guided_warp.h) and --relocate_classes, the model's classes
// searched for again where the flow lost them (common/thin_relocation.h).
// A decision network is trained on the warp the workers will run: both
// programs read --relocate_classes the same way, and the network records
// the radius, colour threshold and fill threshold it learned, which a
// worker's flags take when they say auto (SettleWarp).
//
//   ASSIGN_OR_RETURN(WarpChoice choice,
//                    ParseWarpChoice("auto", "auto", "auto"));
//   ASSIGN_OR_RETURN(GuidedWarpOptions warp,
//                    WarpOptionsFor(kDefaultWarpRadius, "none",
//                                   "models/synth.card.json"));
//   SettleWarp(choice, network, &warp);  // once the network has loaded
#ifndef TESSERA_WORKER_WARP_OPTIONS_H_
#define TESSERA_WORKER_WARP_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/guided_warp.h"
#include "common/search_radius.h"
#include "tessera/v1/decision_network.pb.h"
#include "tessera/v1/model_card.pb.h"

namespace tessera::worker {

// --relocate_classes by default, in the workers, tessera-train-dn and
// tessera-bench's single-process engine: none. Once warps were carried
// frame to frame, relocating poles changed the loss on generated clips by
// -0.23 to +0.15 mIoU points and cost 0.5-0.7 ms a region (BENCHMARKS.md, "Keys
// at most three frames old, poles left where the flow puts them").
inline constexpr char kDefaultRelocateClasses[] = "none";

// --warp_radius by default, in tessera-train-dn, and in workers whose
// decision network does not say which radius it learned (otherwise they
// warp with that one: WarpRadiusFor). On carried warps a
// search of 5 pixels kept 0.17-0.30 mIoU points more than 3 on generated
// clips at the default decision threshold, for about 0.2 ms more a region; 7
// and 9 added 0.1 and then nothing (BENCHMARKS.md, "Keys at most three frames
// old, poles left where the flow puts them").
inline constexpr int kDefaultWarpRadius = 5;

// tessera-train-dn's --warp_radius: "7" or "10x7" (10 across, 7 up and
// down; common/search_radius.h), each 0..kMaxGuidedWarpRadius.
// INVALID_ARGUMENT naming the flag otherwise.
absl::StatusOr<SearchRadius> ParseFixedWarpRadius(absl::string_view flag);

// A worker's --warp_radius: "auto" (nullopt: the radius its decision
// network learned) or a radius as ParseFixedWarpRadius reads it.
absl::StatusOr<std::optional<SearchRadius>> ParseWarpRadius(
    absl::string_view flag);

// The radius `network`'s samples were warped with
// (v1::DecisionNetwork::warp_radius and warp_radius_x); nullopt for a
// network from before those fields. RecordWarpRadius writes it.
std::optional<SearchRadius> LearnedWarpRadius(
    const v1::DecisionNetwork& network);
void RecordWarpRadius(SearchRadius radius, v1::DecisionNetwork* network);

// The radius a worker warps with: `chosen` when --warp_radius gave one, else
// the one `network` learned, else, for a network from before that field,
// kDefaultWarpRadius.
SearchRadius WarpRadiusFor(std::optional<SearchRadius> chosen,
                           const v1::DecisionNetwork& network);

// tessera-train-dn's --warp_colour_threshold: 0..kMaxColourThreshold
// (common/guided_warp.h). INVALID_ARGUMENT naming the flag otherwise.
absl::StatusOr<int> ParseFixedColourThreshold(absl::string_view flag);

// The colour threshold `network`'s samples were warped with
// (v1::DecisionNetwork::warp_colour_threshold); kDefaultColourThreshold for
// a network from before that field, the only threshold there was then.
int LearnedColourThreshold(const v1::DecisionNetwork& network);

// tessera-train-dn's --warp_fill_threshold: 0..kMaxColourThreshold, or
// "off" (kNoFill). INVALID_ARGUMENT naming the flag otherwise.
absl::StatusOr<int> ParseFixedFillThreshold(absl::string_view flag);
// A fill threshold as its flag writes it: the number, or "off".
std::string FillThresholdText(int threshold);

// The fill threshold `network`'s samples were warped with
// (v1::DecisionNetwork::warp_fill_threshold); kNoFill for a network from
// before that field, when warps were not filled. RecordFillThreshold
// writes it, leaving the field out for kNoFill, so that workers built
// before the field still load a network that fills nothing.
int LearnedFillThreshold(const v1::DecisionNetwork& network);
void RecordFillThreshold(int threshold, v1::DecisionNetwork* network);

// What a worker's --warp_radius, --warp_colour_threshold and
// --warp_fill_threshold chose; nullopt where a flag said "auto": what its
// decision network learned.
struct WarpChoice {
  std::optional<SearchRadius> radius;
  std::optional<int> colour_threshold;
  std::optional<int> fill_threshold;
};

// The three flags, each as tessera-train-dn's parser reads it or "auto".
absl::StatusOr<WarpChoice> ParseWarpChoice(absl::string_view radius_flag,
                                           absl::string_view colour_flag,
                                           absl::string_view fill_flag);

// Sets `warp`'s radius (WarpRadiusFor), colour threshold and fill
// threshold: each as `chosen` gives it, else as `network` learned.
void SettleWarp(const WarpChoice& chosen, const v1::DecisionNetwork& network,
                GuidedWarpOptions* warp);

// Each setting of `warp` that differs from what `network` learned, as its
// flag with what it learned, such as "--warp_radius=7 (it learned 7x3)":
// the network's scores are not calibrated for them. A network that recorded
// no radius is not asked about it.
std::vector<std::string> UnlearnedWarpSettings(
    const GuidedWarpOptions& warp, const v1::DecisionNetwork& network);

// `flag`: "auto" (the card's "Pole" class if it has one: the class a fast
// flow loses most, BENCHMARKS.md "Where the warp loses"), "none" or "" (no
// class), or class names separated by commas, any case. INVALID_ARGUMENT
// naming the card's classes when a name is not among them.
absl::StatusOr<std::vector<uint8_t>> RelocatedClasses(
    absl::string_view flag, const v1::ModelCard& card);

// The warp for the model whose card is at `card_path`. INVALID_ARGUMENT for
// a radius outside 0..kMaxGuidedWarpRadius either way or an unknown class;
// the card's error when it cannot be read and classes are named ("auto" and
// "none" need no card: a backend without a model relocates nothing).
absl::StatusOr<GuidedWarpOptions> WarpOptionsFor(
    SearchRadius radius, absl::string_view relocate_classes,
    const std::string& card_path);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_WARP_OPTIONS_H_
