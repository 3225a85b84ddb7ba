#include "tools/dn_samples_csv.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/temp_file.h"

namespace tessera::tools {
namespace {

using ::tessera::testing::WriteTempFile;
using ::testing::HasSubstr;

DnSample Sample(int gap, float agreement, float first_feature) {
  DnSample s;
  s.gap = gap;
  s.agreement = agreement;
  for (size_t f = 0; f < s.features.size(); ++f) {
    s.features[f] = first_feature + 0.1f * static_cast<float>(f);
  }
  return s;
}

DnSampleSets SomeSets() {
  DnSampleSets sets;
  sets.origin.segmentation_model = "synth";
  sets.origin.flow = "dis-ultrafast@1";
  sets.origin.carried_warps = true;
  sets.origin.window_margin = 16;
  sets.origin.warp_radius = 7;
  sets.origin.warp_colour_threshold = 12;
  sets.origin.warp_fill_threshold = 30;
  sets.origin.collection = "clips synth:1, keys 0..12";
  sets.origin.command = "tessera-train-dn --model=models/synth.pt";
  // Values that six significant digits would round.
  sets.train = {Sample(0, 97.1234567f, 0.123456789f),
                Sample(7, 12.5f, -3.33333333f)};
  sets.val = {Sample(12, 100.0f, 1e-7f)};
  return sets;
}

void ExpectSame(const std::vector<DnSample>& read,
                const std::vector<DnSample>& written) {
  ASSERT_EQ(read.size(), written.size());
  for (size_t i = 0; i < read.size(); ++i) {
    // Exactly: a fit from the file must equal a fit from memory.
    EXPECT_EQ(read[i].gap, written[i].gap);
    EXPECT_EQ(read[i].agreement, written[i].agreement);
    EXPECT_EQ(read[i].features, written[i].features);
  }
}

TEST(DnSamplesCsvTest, ARadiusWiderAcrossReadsBack) {
  DnSampleSets sets = SomeSets();
  sets.origin.warp_radius = SearchRadius(10, 7);
  const std::string path = WriteTempFile("wide-", "", ".csv");
  ASSERT_TRUE(WriteDnSamplesCsv(path, sets).ok());
  absl::StatusOr<DnSampleSets> read = ReadDnSamplesCsv(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->origin.warp_radius, SearchRadius(10, 7));
  std::filesystem::remove(path);
}

TEST(DnSamplesCsvTest, SamplesAndTheirOriginReadBackExactly) {
  const DnSampleSets sets = SomeSets();
  const std::string path = WriteTempFile("samples-", "", ".csv");
  ASSERT_TRUE(WriteDnSamplesCsv(path, sets).ok());
  absl::StatusOr<DnSampleSets> read = ReadDnSamplesCsv(path);
  ASSERT_TRUE(read.ok()) << read.status();
  ExpectSame(read->train, sets.train);
  ExpectSame(read->val, sets.val);
  EXPECT_EQ(read->origin.segmentation_model, "synth");
  EXPECT_EQ(read->origin.flow, "dis-ultrafast@1");
  EXPECT_TRUE(read->origin.carried_warps);
  EXPECT_EQ(read->origin.window_margin, 16);
  EXPECT_EQ(read->origin.warp_radius, SearchRadius(7));
  EXPECT_EQ(read->origin.warp_colour_threshold, 12);
  EXPECT_EQ(read->origin.warp_fill_threshold, 30);
  EXPECT_EQ(read->origin.collection, "clips synth:1, keys 0..12");
  EXPECT_EQ(read->origin.command, "tessera-train-dn --model=models/synth.pt");
  std::filesystem::remove(path);
}

TEST(DnSamplesCsvTest, CrlfLineEndsAreRead) {
  const std::string path = WriteTempFile("crlf-", "", ".csv");
  ASSERT_TRUE(WriteDnSamplesCsv(path, SomeSets()).ok());
  std::string text;
  {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) text += line + "\r\n";
  }
  std::ofstream(path, std::ios::trunc) << text;
  absl::StatusOr<DnSampleSets> read = ReadDnSamplesCsv(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->train.size(), 2u);
  EXPECT_EQ(read->origin.flow, "dis-ultrafast@1");
  std::filesystem::remove(path);
}

// The file SomeSets() writes with `row` appended; what reading it says.
absl::Status ReadWithRow(const std::string& row) {
  const std::string path = WriteTempFile("row-", "", ".csv");
  EXPECT_TRUE(WriteDnSamplesCsv(path, SomeSets()).ok());
  std::ofstream(path, std::ios::app) << row << "\n";
  absl::Status status = ReadDnSamplesCsv(path).status();
  std::filesystem::remove(path);
  return status;
}

TEST(DnSamplesCsvTest, BadRowsAreNamedByLine) {
  // Nine origin lines, the header, three samples: the new row is line 14.
  const absl::Status agreement =
      ReadWithRow("val,2,101,1,2,3,4,5,6,7,8,9,10,11,12,13");
  EXPECT_EQ(agreement.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(agreement.message(), HasSubstr(":14: the gap or the agreement"));
  EXPECT_THAT(ReadWithRow("val,-1,50,1,2,3,4,5,6,7,8,9,10,11,12,13").message(),
              HasSubstr("the gap or the agreement"));
  EXPECT_THAT(ReadWithRow("val,2,50,1,2,nan,4,5,6,7,8,9,10,11,12,13").message(),
              HasSubstr("is not a finite number"));
  EXPECT_THAT(ReadWithRow("val,2,50,1,2,3").message(),
              HasSubstr("6 cells, expected 16"));
  EXPECT_THAT(ReadWithRow("test,2,50,1,2,3,4,5,6,7,8,9,10,11,12,13").message(),
              HasSubstr("the set is \"test\""));
}

TEST(DnSamplesCsvTest, AFileWithoutItsOriginOrWithOtherFeaturesIsRefused) {
  EXPECT_EQ(ReadDnSamplesCsv(
                (std::filesystem::temp_directory_path() / "no-such-samples.csv")
                    .string())
                .status()
                .code(),
            absl::StatusCode::kNotFound);

  const std::string path =
      WriteTempFile("bad-", "set,gap,agreement\nval,1,90\n", ".csv");
  const absl::Status no_origin = ReadDnSamplesCsv(path).status();
  EXPECT_EQ(no_origin.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(no_origin.message(), HasSubstr("segmentation_model and flow"));

  std::ofstream(path, std::ios::trunc)
      << "# segmentation_model: synth\n# flow: dis\n"
      << "set,gap,agreement,something_else\n";
  const absl::Status other = ReadDnSamplesCsv(path).status();
  EXPECT_EQ(other.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(other.message(), HasSubstr(path + ":3: the header"));
  std::filesystem::remove(path);
}

// The text of SomeSets() as written to `path`, without the line `dropped`:
// a file from before that origin line existed.
std::string SomeSetsWithout(const std::string& dropped,
                            const std::string& path) {
  EXPECT_TRUE(WriteDnSamplesCsv(path, SomeSets()).ok());
  std::string text;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line != dropped) text += line + "\n";
  }
  return text;
}

// Files written before carried warps have no "# warps" line: their samples
// warped from the key.
TEST(DnSamplesCsvTest, TheWarpsLineIsOptionalButMustBeKnown) {
  const std::string path = WriteTempFile("warps-", "", ".csv");
  const std::string text = SomeSetsWithout("# warps: carried", path);
  std::ofstream(path, std::ios::trunc) << text;
  absl::StatusOr<DnSampleSets> old = ReadDnSamplesCsv(path);
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_FALSE(old->origin.carried_warps);

  std::ofstream(path, std::ios::trunc) << "# warps: sideways\n" << text;
  const absl::Status unknown = ReadDnSamplesCsv(path).status();
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.message(), HasSubstr("warps: sideways"));
  std::filesystem::remove(path);
}

// Files written before windows have no "# window" line: their samples were
// taken on whole regions.
TEST(DnSamplesCsvTest, TheWindowLineIsOptionalButMustBeAMargin) {
  const std::string path = WriteTempFile("window-", "", ".csv");
  const std::string text = SomeSetsWithout("# window: 16", path);
  std::ofstream(path, std::ios::trunc) << text;
  absl::StatusOr<DnSampleSets> old = ReadDnSamplesCsv(path);
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->origin.window_margin, -1);

  std::ofstream(path, std::ios::trunc) << "# window: whole\n" << text;
  absl::StatusOr<DnSampleSets> whole = ReadDnSamplesCsv(path);
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_EQ(whole->origin.window_margin, -1);

  for (const char* bad : {"-4", "wide"}) {
    std::ofstream(path, std::ios::trunc) << "# window: " << bad << "\n" << text;
    const absl::Status refused = ReadDnSamplesCsv(path).status();
    EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(refused.message(), HasSubstr(std::string("window: ") + bad));
  }
  std::filesystem::remove(path);
}

// Files written before the radius was recorded have no "# warp_radius"
// line: what their warps searched is not known.
TEST(DnSamplesCsvTest, TheWarpRadiusLineIsOptionalButMustBeARadius) {
  const std::string path = WriteTempFile("radius-", "", ".csv");
  const std::string text = SomeSetsWithout("# warp_radius: 7", path);
  std::ofstream(path, std::ios::trunc) << text;
  absl::StatusOr<DnSampleSets> old = ReadDnSamplesCsv(path);
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->origin.warp_radius, std::nullopt);

  std::ofstream(path, std::ios::trunc) << "# warp_radius: 0\n" << text;
  absl::StatusOr<DnSampleSets> plain = ReadDnSamplesCsv(path);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->origin.warp_radius, SearchRadius(0));

  std::ofstream(path, std::ios::trunc) << "# warp_radius: 10x7\n" << text;
  absl::StatusOr<DnSampleSets> wide = ReadDnSamplesCsv(path);
  ASSERT_TRUE(wide.ok()) << wide.status();
  EXPECT_EQ(wide->origin.warp_radius, SearchRadius(10, 7));

  for (const char* bad : {"-1", "17", "wide", "10x17", "10x", ""}) {
    std::ofstream(path, std::ios::trunc) << "# warp_radius: " << bad << "\n"
                                         << text;
    const absl::Status refused = ReadDnSamplesCsv(path).status();
    EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(refused.message(),
                HasSubstr(std::string("warp_radius: ") + bad));
  }
  // A line whose empty value lost its space is still a line.
  std::ofstream(path, std::ios::trunc) << "# warp_radius:\n" << text;
  EXPECT_EQ(ReadDnSamplesCsv(path).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::filesystem::remove(path);
}

// Files written before the threshold was recorded have no
// "# warp_colour_threshold" line: their warps all used 20.
TEST(DnSamplesCsvTest, TheColourThresholdLineIsOptionalButMustBeInRange) {
  const std::string path = WriteTempFile("threshold-", "", ".csv");
  const std::string text = SomeSetsWithout("# warp_colour_threshold: 12", path);
  std::ofstream(path, std::ios::trunc) << text;
  absl::StatusOr<DnSampleSets> old = ReadDnSamplesCsv(path);
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->origin.warp_colour_threshold, kDefaultColourThreshold);

  for (const int threshold : {0, 765}) {
    std::ofstream(path, std::ios::trunc)
        << "# warp_colour_threshold: " << threshold << "\n"
        << text;
    absl::StatusOr<DnSampleSets> read = ReadDnSamplesCsv(path);
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->origin.warp_colour_threshold, threshold);
  }
  for (const char* bad : {"-1", "766", "loose", "12x3", "+12", ""}) {
    std::ofstream(path, std::ios::trunc)
        << "# warp_colour_threshold: " << bad << "\n"
        << text;
    const absl::Status refused = ReadDnSamplesCsv(path).status();
    EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(refused.message(),
                HasSubstr(absl::StrCat("\"# warp_colour_threshold: ", bad,
                                       "\": expected a threshold 0..765")));
  }
  std::ofstream(path, std::ios::trunc) << "# warp_colour_threshold:\n" << text;
  EXPECT_EQ(ReadDnSamplesCsv(path).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::filesystem::remove(path);
}

// Files written before warps were filled have no "# warp_fill_threshold"
// line: their warps filled nothing.
TEST(DnSamplesCsvTest, TheFillThresholdLineIsOptionalButMustBeInRangeOrOff) {
  const std::string path = WriteTempFile("fill-", "", ".csv");
  const std::string text = SomeSetsWithout("# warp_fill_threshold: 30", path);
  std::ofstream(path, std::ios::trunc) << text;
  absl::StatusOr<DnSampleSets> old = ReadDnSamplesCsv(path);
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->origin.warp_fill_threshold, kNoFill);

  for (const auto& [line, threshold] : std::vector<std::pair<std::string, int>>{
           {"0", 0}, {"765", kNoFill}, {"off", kNoFill}, {"OFF", kNoFill}}) {
    std::ofstream(path, std::ios::trunc)
        << "# warp_fill_threshold: " << line << "\n"
        << text;
    absl::StatusOr<DnSampleSets> read = ReadDnSamplesCsv(path);
    ASSERT_TRUE(read.ok()) << line << ": " << read.status();
    EXPECT_EQ(read->origin.warp_fill_threshold, threshold) << line;
  }
  // Written back, no fill reads "off".
  DnSampleSets unfilled = SomeSets();
  unfilled.origin.warp_fill_threshold = kNoFill;
  ASSERT_TRUE(WriteDnSamplesCsv(path, unfilled).ok());
  std::ifstream written(path);
  const std::string all((std::istreambuf_iterator<char>(written)),
                        std::istreambuf_iterator<char>());
  EXPECT_THAT(all, HasSubstr("# warp_fill_threshold: off\n"));
  for (const char* bad : {"-1", "766", "of", "none", "+22", ""}) {
    std::ofstream(path, std::ios::trunc)
        << "# warp_fill_threshold: " << bad << "\n"
        << text;
    const absl::Status refused = ReadDnSamplesCsv(path).status();
    EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(refused.message(),
                HasSubstr(absl::StrCat("\"# warp_fill_threshold: ", bad,
                                       "\": expected a threshold 0..765 or "
                                       "off")));
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace tessera::tools
