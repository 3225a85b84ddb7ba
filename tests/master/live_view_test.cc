#include "master/live_view.h"

#include "gtest/gtest.h"

namespace tessera::master {
namespace {

LabelMap Labels(int width, int height, uint8_t label) {
  LabelMap mask = LabelMap::Create(width, height, 1);
  for (uint8_t& p : mask.pixels) p = label;
  return mask;
}

TEST(LiveViewTest, KeepsAPictureAtMostEveryIntervalPerStream) {
  LiveView live(absl::Milliseconds(200), 4);
  const absl::Time t0 = absl::UnixEpoch();
  live.Offer(1, "cam#1", 0, t0, nullptr, Labels(4, 2, 3));
  live.Offer(1, "cam#1", 1, t0 + absl::Milliseconds(100), nullptr,
             Labels(4, 2, 3));
  ASSERT_EQ(live.Streams().size(), 1u);
  EXPECT_EQ(live.Streams()[0].frame_index, 0u);  // too soon: not kept
  live.Offer(1, "cam#1", 2, t0 + absl::Milliseconds(250), nullptr,
             Labels(4, 2, 3));
  EXPECT_EQ(live.Streams()[0].frame_index, 2u);
  EXPECT_EQ(live.Streams()[0].name, "cam#1");
  EXPECT_EQ(live.Streams()[0].width, 4);
  EXPECT_FALSE(live.Render(7, CamVidPalette()).has_value());
}

TEST(LiveViewTest, DrawsTheMaskOverItsFrameOrAlone) {
  LiveView live(absl::ZeroDuration(), 4);
  const Palette& palette = CamVidPalette();
  const auto road = palette.colors[3];
  live.Offer(1, "colours", 0, absl::UnixEpoch(), nullptr, Labels(2, 2, 3));
  std::optional<Image> alone = live.Render(1, palette);
  ASSERT_TRUE(alone.has_value());
  EXPECT_EQ(alone->at(1, 1)[0], road[0]);
  EXPECT_EQ(alone->at(1, 1)[2], road[2]);

  auto white = std::make_shared<Image>(Image::Create(2, 2, 3));
  for (uint8_t& p : white->pixels) p = 255;
  live.Offer(2, "overlay", 0, absl::UnixEpoch(), white, Labels(2, 2, 3));
  std::optional<Image> over = live.Render(2, palette);
  ASSERT_TRUE(over.has_value());
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(over->at(0, 0)[c], (255 + road[c]) / 2.0, 1) << c;
  }
}

TEST(LiveViewTest, TheStalestStreamMakesRoom) {
  LiveView live(absl::ZeroDuration(), 2);
  const absl::Time t0 = absl::UnixEpoch();
  live.Offer(1, "a", 0, t0, nullptr, Labels(2, 2, 0));
  live.Offer(2, "b", 0, t0 + absl::Seconds(1), nullptr, Labels(2, 2, 0));
  live.Offer(1, "a", 1, t0 + absl::Seconds(2), nullptr, Labels(2, 2, 0));
  live.Offer(3, "c", 0, t0 + absl::Seconds(3), nullptr, Labels(2, 2, 0));
  std::vector<std::string> names;
  for (const auto& stream : live.Streams()) names.push_back(stream.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "c"}));
}

}  // namespace
}  // namespace tessera::master
