#include "master/live_view.h"

#include <utility>

namespace tessera::master {

LiveView::LiveView(absl::Duration min_interval, size_t max_streams)
    : min_interval_(min_interval), max_streams_(max_streams) {}

void LiveView::Offer(uint64_t stream, const std::string& name,
                     uint64_t frame_index, absl::Time now,
                     std::shared_ptr<const Image> frame, const LabelMap& mask) {
  absl::MutexLock lock(&mu_);
  auto it = pictures_.find(stream);
  if (it != pictures_.end() && now - it->second.taken < min_interval_) return;
  if (it == pictures_.end() && pictures_.size() >= max_streams_) {
    auto stalest = pictures_.begin();
    for (auto p = pictures_.begin(); p != pictures_.end(); ++p) {
      if (p->second.taken < stalest->second.taken) stalest = p;
    }
    pictures_.erase(stalest);
  }
  Picture& picture = pictures_[stream];
  picture.info = {stream, name, frame_index, mask.width, mask.height};
  picture.taken = now;
  // A frame of another size than its mask (never expected) is not drawn.
  const bool frame_fits = frame != nullptr && frame->width == mask.width &&
                          frame->height == mask.height && frame->channels == 3;
  picture.frame = frame_fits ? std::move(frame) : nullptr;
  picture.mask = std::make_shared<const LabelMap>(mask);
}

std::vector<LiveView::StreamInfo> LiveView::Streams() const {
  absl::MutexLock lock(&mu_);
  std::vector<StreamInfo> streams;
  for (const auto& [id, picture] : pictures_) streams.push_back(picture.info);
  return streams;
}

std::optional<Image> LiveView::Render(uint64_t stream,
                                      const Palette& palette) const {
  std::shared_ptr<const Image> frame;
  std::shared_ptr<const LabelMap> mask;
  {
    absl::MutexLock lock(&mu_);
    auto it = pictures_.find(stream);
    if (it == pictures_.end()) return std::nullopt;
    frame = it->second.frame;
    mask = it->second.mask;
  }
  // Drawn outside the lock: the picture is immutable once taken.
  return frame ? Overlay(*frame, *mask, palette, 0.5)
               : Colorize(*mask, palette);
}

}  // namespace tessera::master
