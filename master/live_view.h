// The latest picture of each stream, for the live page: the last delivered
// mask over its frame (or the mask's colours alone when the frame was not
// kept). Offered every delivered mask, it keeps one at most every
// `min_interval` per stream, so the delivery path pays a copy a few times a
// second, not per frame; rendering happens on the reader's thread. It holds
// the `max_streams` most recently updated streams, so ended streams show
// their last picture until newer ones push them out.
//
//   LiveView live(absl::Milliseconds(200), /*max_streams=*/16);
//   live.Offer(id, name, index, now, frame, mask);      // on delivery
//   std::optional<Image> picture = live.Render(id, CamVidPalette());
#ifndef TESSERA_MASTER_LIVE_VIEW_H_
#define TESSERA_MASTER_LIVE_VIEW_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/image.h"
#include "common/palette.h"

namespace tessera::master {

class LiveView {
 public:
  LiveView(absl::Duration min_interval, size_t max_streams);

  // Keeps this mask (and its frame, when given) if the stream's picture is
  // at least min_interval old.
  void Offer(uint64_t stream, const std::string& name, uint64_t frame_index,
             absl::Time now, std::shared_ptr<const Image> frame,
             const LabelMap& mask);
  struct StreamInfo {
    uint64_t id = 0;
    std::string name;
    uint64_t frame_index = 0;
    int width = 0;
    int height = 0;
  };
  std::vector<StreamInfo> Streams() const;
  // The overlay (alpha 0.5) of the stream's latest mask; nullopt for a
  // stream with no picture.
  std::optional<Image> Render(uint64_t stream, const Palette& palette) const;

 private:
  struct Picture {
    StreamInfo info;
    absl::Time taken;
    std::shared_ptr<const Image> frame;  // null: colours only
    std::shared_ptr<const LabelMap> mask;
  };
  const absl::Duration min_interval_;
  const size_t max_streams_;
  mutable absl::Mutex mu_;
  std::map<uint64_t, Picture> pictures_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tessera::master

#endif  // TESSERA_MASTER_LIVE_VIEW_H_
