#include "worker/warp_options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "worker/decision_network.h"

namespace tessera::worker {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

v1::ModelCard CardWithClasses(std::vector<std::string> names) {
  v1::ModelCard card;
  card.set_name("street");
  card.set_num_classes(static_cast<int>(names.size()));
  for (const std::string& name : names) card.add_class_names(name);
  return card;
}

const v1::ModelCard kStreet =
    CardWithClasses({"Sky", "Building", "Pole", "Road", "SignSymbol"});

TEST(RelocatedClassesTest, AutoIsThePoleClassWhereTheModelHasOne) {
  EXPECT_THAT(*RelocatedClasses("auto", kStreet), ElementsAre(2));
  EXPECT_THAT(*RelocatedClasses("auto", CardWithClasses({"cat", "dog"})),
              IsEmpty());
}

TEST(RelocatedClassesTest, NamesInAnyCaseAndNone) {
  EXPECT_THAT(*RelocatedClasses(" pole, SIGNSYMBOL ", kStreet),
              ElementsAre(2, 4));
  EXPECT_THAT(*RelocatedClasses("none", kStreet), IsEmpty());
  EXPECT_THAT(*RelocatedClasses("", kStreet), IsEmpty());
}

TEST(RelocatedClassesTest, AnUnknownNameIsAnErrorListingTheClasses) {
  absl::StatusOr<std::vector<uint8_t>> ids =
      RelocatedClasses("Pole,Lamp", kStreet);
  EXPECT_EQ(ids.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ids.status().message(),
              HasSubstr("no class 'Lamp' (its classes: Sky, Building, Pole, "
                        "Road, SignSymbol)"));
}

TEST(WarpOptionsForTest, ARadiusOutOfRangeIsRefused) {
  EXPECT_EQ(
      WarpOptionsFor(-1, "none", "").status(),
      absl::InvalidArgumentError("--warp_radius=-1: must be 0..16 each way"));
  EXPECT_THAT(
      WarpOptionsFor(kMaxGuidedWarpRadius + 1, "none", "").status().message(),
      HasSubstr("--warp_radius"));
  EXPECT_THAT(WarpOptionsFor({10, 17}, "none", "").status().message(),
              HasSubstr("--warp_radius=10x17"));
}

TEST(WarpOptionsForTest, AutoRelocatesTheShippedModelsPoles) {
  for (const char* card : {"/synth.card.json", "/camvid.card.json"}) {
    absl::StatusOr<GuidedWarpOptions> warp =
        WarpOptionsFor(3, "auto", std::string(TESSERA_MODELS_DIR) + card);
    ASSERT_TRUE(warp.ok()) << warp.status();
    EXPECT_THAT(warp->relocation.labels, ElementsAre(2)) << card;
  }
}

TEST(WarpOptionsForTest, WithoutACardOnlyNamedClassesAreAnError) {
  const std::string missing = "/nonexistent/model.card.json";
  absl::StatusOr<GuidedWarpOptions> automatic =
      WarpOptionsFor(3, " AUTO ", missing);
  ASSERT_TRUE(automatic.ok()) << automatic.status();
  EXPECT_EQ(automatic->radius, 3);
  EXPECT_THAT(automatic->relocation.labels, IsEmpty());
  absl::StatusOr<GuidedWarpOptions> named = WarpOptionsFor(3, "Pole", missing);
  EXPECT_FALSE(named.ok());
  EXPECT_THAT(named.status().message(),
              HasSubstr("--relocate_classes=Pole needs the model's card"));
  EXPECT_THAT(named.status().message(), HasSubstr(missing));
}

TEST(ParseWarpRadiusTest, AutoLeavesTheRadiusToTheNetwork) {
  const std::vector<std::pair<std::string, std::optional<SearchRadius>>> cases =
      {{"auto", std::nullopt},
       {" AUTO ", std::nullopt},
       {"0", 0},
       {"7", 7},
       {" 7 ", 7},
       {"16", 16},
       {"10x7", SearchRadius(10, 7)},
       {" 3 X 16 ", SearchRadius(3, 16)},
       {"0x4", SearchRadius(0, 4)}};
  for (const auto& [flag, radius] : cases) {
    absl::StatusOr<std::optional<SearchRadius>> parsed = ParseWarpRadius(flag);
    ASSERT_TRUE(parsed.ok()) << flag << ": " << parsed.status();
    EXPECT_EQ(*parsed, radius) << flag;
  }
}

TEST(ParseWarpRadiusTest, AnythingElseIsRefusedNamingTheFlag) {
  for (const char* bad : {"-1", "17", "seven", "", "5px", "+5", "10x", "x7",
                          "10x7x3", "17x3", "3x17", "10x-7", "auto7"}) {
    absl::StatusOr<std::optional<SearchRadius>> radius = ParseWarpRadius(bad);
    EXPECT_EQ(radius.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_THAT(radius.status().message(),
                HasSubstr(absl::StrCat("--warp_radius=", bad,
                                       ": must be 0..16, or ACROSSxUPDOWN "
                                       "such as 10x7 (each 0..16), or auto")));
  }
}

TEST(ParseFixedWarpRadiusTest, TakesNoAuto) {
  const absl::StatusOr<SearchRadius> wide = ParseFixedWarpRadius("10x7");
  ASSERT_TRUE(wide.ok()) << wide.status();
  EXPECT_EQ(*wide, SearchRadius(10, 7));
  EXPECT_THAT(ParseFixedWarpRadius("auto").status().message(),
              HasSubstr("--warp_radius=auto: must be 0..16"));
}

TEST(WarpRadiusForTest, TheFlagThenTheNetworksRadiusThenTheDefault) {
  v1::DecisionNetwork learned;
  learned.set_warp_radius(7);
  EXPECT_EQ(WarpRadiusFor(2, learned), 2);
  EXPECT_EQ(WarpRadiusFor(std::nullopt, learned), 7);
  learned.set_warp_radius(0);  // a plain warp: recorded, not absent
  EXPECT_EQ(WarpRadiusFor(std::nullopt, learned), 0);
  EXPECT_EQ(WarpRadiusFor(std::nullopt, v1::DecisionNetwork()),
            kDefaultWarpRadius);
}

TEST(WarpRadiusForTest, ARadiusAcrossIsRecordedOnlyWhereItDiffers) {
  v1::DecisionNetwork network;
  RecordWarpRadius({10, 7}, &network);
  EXPECT_EQ(network.warp_radius(), 7);
  EXPECT_EQ(network.warp_radius_x(), 10);
  EXPECT_EQ(LearnedWarpRadius(network), SearchRadius(10, 7));
  EXPECT_EQ(WarpRadiusFor(std::nullopt, network), SearchRadius(10, 7));
  // Recorded again square, it says so as networks before it did.
  RecordWarpRadius(5, &network);
  EXPECT_EQ(network.warp_radius(), 5);
  EXPECT_FALSE(network.has_warp_radius_x());
  EXPECT_EQ(LearnedWarpRadius(network), SearchRadius(5));
  EXPECT_EQ(LearnedWarpRadius(v1::DecisionNetwork()), std::nullopt);
}

TEST(ParseWarpChoiceTest, EachFlagIsAutoOrAValue) {
  absl::StatusOr<WarpChoice> automatic =
      ParseWarpChoice("auto", " AUTO ", "Auto");
  ASSERT_TRUE(automatic.ok()) << automatic.status();
  EXPECT_EQ(automatic->radius, std::nullopt);
  EXPECT_EQ(automatic->colour_threshold, std::nullopt);
  EXPECT_EQ(automatic->fill_threshold, std::nullopt);
  absl::StatusOr<WarpChoice> fixed = ParseWarpChoice("11x5", "12", "30");
  ASSERT_TRUE(fixed.ok()) << fixed.status();
  EXPECT_EQ(fixed->radius, SearchRadius(11, 5));
  EXPECT_EQ(fixed->colour_threshold, 12);
  EXPECT_EQ(fixed->fill_threshold, 30);
  for (const char* edge : {"0", "765"}) {
    absl::StatusOr<WarpChoice> choice = ParseWarpChoice("auto", edge, edge);
    ASSERT_TRUE(choice.ok()) << edge << ": " << choice.status();
    EXPECT_EQ(absl::StrCat(*choice->colour_threshold), edge);
    EXPECT_EQ(absl::StrCat(*choice->fill_threshold), edge);
  }
  for (const char* off : {"off", " OFF "}) {
    absl::StatusOr<WarpChoice> choice = ParseWarpChoice("auto", "auto", off);
    ASSERT_TRUE(choice.ok()) << off << ": " << choice.status();
    EXPECT_EQ(choice->fill_threshold, kNoFill);
  }
  EXPECT_EQ(FillThresholdText(kNoFill), "off");
  EXPECT_EQ(FillThresholdText(22), "22");
}

TEST(ParseWarpChoiceTest, AnythingElseIsRefusedNamingTheFlag) {
  for (const char* bad :
       {"-1", "766", "loose", "", "12x3", "auto12", "+12", "-0", "1 2"}) {
    const absl::Status refused = ParseWarpChoice("auto", bad, "auto").status();
    EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(refused.message(),
                HasSubstr(absl::StrCat("--warp_colour_threshold=", bad,
                                       ": must be 0..765 (L1 over RGB), or "
                                       "auto")));
  }
  for (const char* bad : {"-1", "766", "of", "", "+22", "none", "22 px"}) {
    const absl::Status refused = ParseWarpChoice("auto", "auto", bad).status();
    EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(refused.message(),
                HasSubstr(absl::StrCat("--warp_fill_threshold=", bad,
                                       ": must be 0..765 (L1 over RGB) or "
                                       "off, or auto")));
  }
  const absl::Status radius = ParseWarpChoice("seven", "12", "22").status();
  EXPECT_EQ(radius.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(radius.message(),
              HasSubstr("--warp_radius=seven: must be 0..16"));
  // tessera-train-dn's parser offers no auto.
  const absl::Status fixed = ParseFixedColourThreshold("auto").status();
  EXPECT_EQ(fixed.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(fixed.message(),
              HasSubstr("--warp_colour_threshold=auto: must be 0..765"));
  EXPECT_THAT(fixed.message(), Not(HasSubstr("or auto")));
  const absl::Status fill = ParseFixedFillThreshold("auto").status();
  EXPECT_EQ(fill.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(fill.message(),
            "--warp_fill_threshold=auto: must be 0..765 (L1 over RGB) or off");
}

TEST(SettleWarpTest, EachSettingIsTheFlagsThenTheNetworksThenTheDefault) {
  v1::DecisionNetwork learned;
  RecordWarpRadius({11, 5}, &learned);
  learned.set_warp_colour_threshold(12);
  learned.set_warp_fill_threshold(40);
  GuidedWarpOptions warp;
  SettleWarp({}, learned, &warp);
  EXPECT_EQ(warp.radius, SearchRadius(11, 5));
  EXPECT_EQ(warp.colour_threshold, 12);
  EXPECT_EQ(warp.fill_threshold, 40);
  EXPECT_THAT(UnlearnedWarpSettings(warp, learned), IsEmpty());

  SettleWarp({.radius = 7, .colour_threshold = 30, .fill_threshold = kNoFill},
             learned, &warp);
  EXPECT_EQ(warp.radius, SearchRadius(7));
  EXPECT_EQ(warp.colour_threshold, 30);
  EXPECT_EQ(warp.fill_threshold, kNoFill);
  EXPECT_THAT(UnlearnedWarpSettings(warp, learned),
              ElementsAre("--warp_radius=7 (it learned 11x5)",
                          "--warp_colour_threshold=30 (it learned 12)",
                          "--warp_fill_threshold=off (it learned 40)"));

  // A network from before any was recorded: the defaults, no fill, and the
  // thresholds, always 20 and no fill then, are still checked.
  const v1::DecisionNetwork old;
  SettleWarp({}, old, &warp);
  EXPECT_EQ(warp.radius, SearchRadius(kDefaultWarpRadius));
  EXPECT_EQ(warp.colour_threshold, kDefaultColourThreshold);
  EXPECT_EQ(warp.fill_threshold, kNoFill);
  warp.radius = 9;
  warp.colour_threshold = 12;
  warp.fill_threshold = 22;
  EXPECT_THAT(UnlearnedWarpSettings(warp, old),
              ElementsAre("--warp_colour_threshold=12 (it learned 20)",
                          "--warp_fill_threshold=22 (it learned off)"));
}

// models/README.md and BENCHMARKS.md say why: camvid's records neither
// (20, no fill).
TEST(SettleWarpTest, TheShippedNetworksSayWhichThresholdsTheyLearned) {
  struct Learned {
    std::string dn;
    int colour_threshold;
    int fill_threshold;
  };
  const std::vector<Learned> shipped = {
      {"/synth.dn.json", 16, 22},
      {"/camvid.dn.json", kDefaultColourThreshold, kNoFill}};
  for (const Learned& learned : shipped) {
    absl::StatusOr<std::unique_ptr<DecisionNetwork>> network =
        LoadDecisionNetwork(std::string(TESSERA_MODELS_DIR) + learned.dn);
    ASSERT_TRUE(network.ok()) << network.status();
    GuidedWarpOptions warp;
    SettleWarp({}, (*network)->spec(), &warp);
    EXPECT_EQ(warp.colour_threshold, learned.colour_threshold) << learned.dn;
    EXPECT_EQ(warp.fill_threshold, learned.fill_threshold) << learned.dn;
  }
}

TEST(SettleWarpTest, ANetworkWithAFillThresholdOutOfRangeIsRefused) {
  absl::StatusOr<std::unique_ptr<DecisionNetwork>> shipped =
      LoadDecisionNetwork(std::string(TESSERA_MODELS_DIR) + "/synth.dn.json");
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  v1::DecisionNetwork spec = (*shipped)->spec();
  for (const int threshold : {-1, kMaxColourThreshold + 1}) {
    spec.set_warp_fill_threshold(threshold);
    const absl::Status refused = MakeDecisionNetwork(spec).status();
    EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(refused.message(),
                HasSubstr(absl::StrCat("its warp_fill_threshold is ", threshold,
                                       "; it must be 0..765 (765 or absent: "
                                       "no fill)")));
  }
}

TEST(SettleWarpTest, ANetworkWithAColourThresholdOutOfRangeIsRefused) {
  absl::StatusOr<std::unique_ptr<DecisionNetwork>> shipped =
      LoadDecisionNetwork(std::string(TESSERA_MODELS_DIR) + "/synth.dn.json");
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  v1::DecisionNetwork spec = (*shipped)->spec();
  for (const int threshold : {-1, kMaxColourThreshold + 1}) {
    spec.set_warp_colour_threshold(threshold);
    const absl::Status refused = MakeDecisionNetwork(spec).status();
    EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(
        refused.message(),
        HasSubstr(absl::StrCat("its warp_colour_threshold is ", threshold,
                               "; it must be 0..765 (or absent: 20)")));
  }
}

// models/README.md and BENCHMARKS.md give these radii and why.
TEST(WarpRadiusForTest, TheShippedNetworksSayWhichRadiusTheyLearned) {
  const std::vector<std::pair<std::string, SearchRadius>> shipped = {
      {"/synth.dn.json", SearchRadius(7, 3)}, {"/camvid.dn.json", 3}};
  for (const auto& [dn, radius] : shipped) {
    absl::StatusOr<std::unique_ptr<DecisionNetwork>> network =
        LoadDecisionNetwork(std::string(TESSERA_MODELS_DIR) + dn);
    ASSERT_TRUE(network.ok()) << network.status();
    ASSERT_TRUE((*network)->spec().has_warp_radius()) << dn;
    EXPECT_EQ(WarpRadiusFor(std::nullopt, (*network)->spec()), radius) << dn;
  }
}

TEST(WarpRadiusForTest, ANetworkWithARadiusOutOfRangeIsRefused) {
  absl::StatusOr<std::unique_ptr<DecisionNetwork>> shipped =
      LoadDecisionNetwork(std::string(TESSERA_MODELS_DIR) + "/synth.dn.json");
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  v1::DecisionNetwork spec = (*shipped)->spec();
  for (const int radius : {-1, kMaxGuidedWarpRadius + 1}) {
    spec.set_warp_radius(radius);
    absl::StatusOr<std::unique_ptr<DecisionNetwork>> dn =
        MakeDecisionNetwork(spec);
    EXPECT_EQ(dn.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(dn.status().message(),
                HasSubstr(absl::StrCat("its warp_radius is ", radius,
                                       "; it must be 0..16")));
  }
  spec.set_warp_radius(7);
  for (const int across : {-1, kMaxGuidedWarpRadius + 1}) {
    spec.set_warp_radius_x(across);
    const absl::Status refused = MakeDecisionNetwork(spec).status();
    EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(refused.message(),
                HasSubstr(absl::StrCat("its warp_radius_x is ", across,
                                       "; it must be 0..16")));
  }
  // Across without up and down would leave a worker to guess the rest.
  spec.clear_warp_radius();
  spec.set_warp_radius_x(10);
  const absl::Status alone = MakeDecisionNetwork(spec).status();
  EXPECT_EQ(alone.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(alone.message(),
              HasSubstr("its warp_radius_x (10, across) needs a warp_radius "
                        "(up and down) beside it"));
}

}  // namespace
}  // namespace tessera::worker
