// Model cards: the small JSON file beside every TorchScript model that says
// how to feed it and how to read its output (tessera.v1.ModelCard).
//
//   ASSIGN_OR_RETURN(tessera::v1::ModelCard card,
//                    LoadModelCard(ModelCardPathFor("models/synth.pt")));
#ifndef TESSERA_WORKER_MODEL_CARD_H_
#define TESSERA_WORKER_MODEL_CARD_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tessera/v1/model_card.pb.h"

namespace tessera::worker {

// "dir/net.pt" -> "dir/net.card.json" (any extension is replaced).
std::string ModelCardPathFor(const std::string& model_path);

// NOT_FOUND when the file is missing, INVALID_ARGUMENT when it is not valid
// JSON for a ModelCard or fails ValidateModelCard.
absl::StatusOr<v1::ModelCard> LoadModelCard(const std::string& path);

// The card's input normalisation, (pixel * input_scale - mean[c]) / std[c],
// folded into pixel * gain[c] - offset[c]: one multiply-add per value.
struct InputNormalisation {
  std::vector<float> gain;    // 3 values, RGB
  std::vector<float> offset;  // 3 values, RGB
};
InputNormalisation NormalisationOf(const v1::ModelCard& card);

// INVALID_ARGUMENT naming the first field that makes no sense (class count
// outside 1..255, class names not matching it, mean/std not 3 values or a
// zero std, non-positive stride, half-set input size).
absl::Status ValidateModelCard(const v1::ModelCard& card);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_MODEL_CARD_H_
