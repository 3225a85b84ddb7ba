// Hashing, value noise, a seeded random stream and float colours for the
// synthetic scene renderer. Everything is a pure function of its integer
// inputs (no std:: distributions, whose output differs between standard
// libraries), so a seed gives the same bytes on every machine.
//
//   double n = ValueNoise(x / 0.5, z / 0.5, style.seed);  // world-anchored
//   Rng rng(seed);  bool spawn = rng.Chance(0.1);
#ifndef TESSERA_TOOLS_SYNTH_NOISE_H_
#define TESSERA_TOOLS_SYNTH_NOISE_H_

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace tessera::tools::synth {

// lowbias32 (Chris Wellons): a cheap integer hash with good avalanche.
inline uint32_t Mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

// Hash of a 2-D integer lattice point; wraps large coordinates on purpose.
inline uint32_t HashCell(int64_t ix, int64_t iy, uint32_t seed) {
  return Mix32(static_cast<uint32_t>(ix) * 0x9E3779B1U +
               Mix32(static_cast<uint32_t>(iy) ^ seed));
}

// Derives an independent hash for the n-th property of one object.
inline uint32_t HashProp(uint32_t h, uint32_t n) {
  return Mix32(h + n * 0x632BE5ABU);
}

// [0, 1).
inline double Unit(uint32_t h) { return h * (1.0 / 4294967296.0); }
inline double Range(uint32_t h, double lo, double hi) {
  return lo + (hi - lo) * Unit(h);
}

// floor() as an integer. Without SSE4.1 (the x86-64 baseline) std::floor is
// a library call, and the shaders call this several times per pixel.
inline int64_t FloorToInt(double v) {
  const auto i = static_cast<int64_t>(v);
  return i - (v < static_cast<double>(i) ? 1 : 0);
}

// Smooth noise in [0, 1): hashed lattice values blended with smoothstep.
inline double ValueNoise(double x, double y, uint32_t seed) {
  const int64_t ix = FloorToInt(x);
  const int64_t iy = FloorToInt(y);
  double tx = x - static_cast<double>(ix);
  double ty = y - static_cast<double>(iy);
  tx = tx * tx * (3 - 2 * tx);
  ty = ty * ty * (3 - 2 * ty);
  // HashCell of the four corners, sharing the row hashes.
  const uint32_t row0 = Mix32(static_cast<uint32_t>(iy) ^ seed);
  const uint32_t row1 = Mix32(static_cast<uint32_t>(iy + 1) ^ seed);
  const uint32_t col0 = static_cast<uint32_t>(ix) * 0x9E3779B1U;
  const uint32_t col1 = static_cast<uint32_t>(ix + 1) * 0x9E3779B1U;
  const double a = Unit(Mix32(col0 + row0));
  const double b = Unit(Mix32(col1 + row0));
  const double c = Unit(Mix32(col0 + row1));
  const double d = Unit(Mix32(col1 + row1));
  return a + (b - a) * tx + (c - a) * ty + (a - b - c + d) * tx * ty;
}

// Hash of the lattice cell holding (x, y): blocky grain, world-anchored.
inline double Grain(double x, double y, uint32_t seed) {
  return Unit(HashCell(FloorToInt(x), FloorToInt(y), seed));
}

// SplitMix64: the scene's stream of random decisions (spawns, speeds).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint32_t Next32() { return static_cast<uint32_t>(Next() >> 32); }
  double Uniform(double lo, double hi) { return Range(Next32(), lo, hi); }
  bool Chance(double p) { return Unit(Next32()) < p; }

 private:
  uint64_t state_;
};

struct Rgbf {
  float r = 0;
  float g = 0;
  float b = 0;
};

inline Rgbf operator*(Rgbf c, double k) {
  const auto f = static_cast<float>(k);
  return {c.r * f, c.g * f, c.b * f};
}
inline Rgbf operator+(Rgbf a, Rgbf b) {
  return {a.r + b.r, a.g + b.g, a.b + b.b};
}
inline Rgbf Mix(Rgbf a, Rgbf b, double t) { return a * (1 - t) + b * t; }
// Adds the same offset to every channel (brightness texture).
inline Rgbf Lift(Rgbf c, double d) {
  const auto f = static_cast<float>(d);
  return {c.r + f, c.g + f, c.b + f};
}
// Scales a colour by a random factor in [1 - spread, 1 + spread] per channel,
// so objects of one kind differ in hue as well as brightness.
inline Rgbf Jitter(Rgbf c, uint32_t h, double spread) {
  return {
      static_cast<float>(c.r * Range(HashProp(h, 1), 1 - spread, 1 + spread)),
      static_cast<float>(c.g * Range(HashProp(h, 2), 1 - spread, 1 + spread)),
      static_cast<float>(c.b * Range(HashProp(h, 3), 1 - spread, 1 + spread))};
}

inline double Clamp01(double v) { return std::min(1.0, std::max(0.0, v)); }

}  // namespace tessera::tools::synth

#endif  // TESSERA_TOOLS_SYNTH_NOISE_H_
