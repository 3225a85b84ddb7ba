// Cut-out shapes and colours of the synthetic street's objects (declared in
// synth_objects.h). Shapes are in metres from the object's bottom centre, so
// an object looks the same at every resolution.
#include <cmath>

#include "tools/synth_objects.h"

namespace tessera::tools::synth {
namespace {

const Rgbf kCarPaints[] = {{225, 225, 222}, {175, 178, 182}, {28, 28, 32},
                           {70, 72, 76},    {160, 25, 30},   {35, 60, 130},
                           {25, 35, 70},    {40, 80, 55},    {215, 180, 40},
                           {190, 175, 140}, {100, 30, 35},   {120, 140, 160}};
const Rgbf kBusPaints[] = {{180, 30, 30}, {225, 225, 225}, {40, 80, 150}};
const Rgbf kCoats[] = {{30, 30, 35},    {35, 45, 80},    {110, 110, 115},
                       {170, 150, 115}, {150, 35, 40},   {60, 90, 60},
                       {100, 70, 45},   {220, 220, 215}, {210, 180, 60},
                       {120, 150, 190}, {140, 60, 110}};
const Rgbf kTrousers[] = {
    {50, 65, 100}, {30, 30, 34}, {90, 90, 95}, {150, 135, 100}, {60, 45, 35}};
const Rgbf kSkins[] = {
    {224, 190, 160}, {200, 160, 125}, {160, 115, 85}, {110, 75, 55}};
const Rgbf kHairs[] = {
    {30, 25, 20}, {80, 55, 35}, {180, 150, 100}, {120, 120, 120}};
const Rgbf kHiVis[] = {
    {220, 230, 60}, {230, 120, 30}, {40, 90, 170}, {190, 40, 40}, {40, 40, 44}};
const Rgbf kMetals[] = {
    {95, 98, 100}, {45, 60, 50}, {30, 30, 32}, {150, 152, 150}};
const Rgbf kLeaves[] = {{60, 100, 45}, {80, 115, 50}, {45, 85, 40},
                        {95, 120, 60}, {70, 95, 55},  {150, 115, 45}};
const Rgbf kBarks[] = {{85, 65, 45}, {70, 60, 50}, {100, 85, 70}};
const Rgbf kPanels[] = {{30, 70, 160}, {30, 110, 60}, {230, 230, 225}};
const Rgbf kWhite{235, 235, 230};
const Rgbf kBlack{24, 24, 26};
const Rgbf kSignRed{190, 30, 35};

template <typename T, size_t N>
const T& Pick(const T (&items)[N], uint32_t h) {
  return items[h % N];
}

double Sq(double v) { return v * v; }

bool LampPost(const Billboard& b, const ObjectLook& look, double u, double v,
              Rgbf* c) {
  const double dir = b.x < 0 ? 1 : -1;  // the arm reaches over the road
  const double top = b.height;
  const double r = v < 0.9 ? 0.12 : 0.08;
  if (std::abs(u) < r && v < top - 0.2) {
    *c = look.main * (0.6 + 0.6 * (1 - Sq(u / r)));
    return true;
  }
  const double a = u * dir;
  if (v > top - 0.42 && v < top - 0.22 && a > 0.55 && a < 0.9) {
    *c = v < top - 0.36 ? look.third : look.main * 0.8;
    return true;
  }
  if (v > top - 0.32 && v < top - 0.22 && a > 0 && a < 0.75) {
    *c = look.main * 0.9;
    return true;
  }
  return false;
}

bool SignPlate(const Billboard& b, const ObjectLook& look, double du, double dv,
               Rgbf* c) {
  const double r = std::sqrt(du * du + dv * dv);
  switch (b.variant % 5) {
    case 0:  // speed limit
      if (r >= 0.3) return false;
      *c = r > 0.23 ? kSignRed : kWhite;
      if (std::abs(dv) < 0.1 && (std::abs(std::abs(du) - 0.07) < 0.035)) {
        *c = kBlack;
      }
      return true;
    case 1:  // blue mandatory sign with an arrow
      if (r >= 0.3) return false;
      *c = Rgbf{30, 70, 160};
      if ((std::abs(du) < 0.04 && dv > -0.18 && dv < 0.05) ||
          (dv >= 0.02 && dv < 0.18 && std::abs(du) < 0.9 * (0.18 - dv))) {
        *c = kWhite;
      }
      return true;
    case 2: {  // warning triangle
      const double half = (0.32 - dv) / 0.56 * 0.33;
      if (dv < -0.24 || dv > 0.32 || std::abs(du) > half) return false;
      const bool inner = dv > -0.18 && std::abs(du) < half - 0.07;
      *c = inner ? kWhite : kSignRed;
      if (inner && std::abs(du) < 0.025 && std::abs(dv + 0.02) < 0.1) {
        *c = kBlack;
      }
      return true;
    }
    case 3: {  // direction panel with lines of "text"
      if (std::abs(du) > 0.45 || std::abs(dv) > 0.28) return false;
      *c = look.third;
      const bool border = std::abs(du) > 0.42 || std::abs(dv) > 0.25;
      const bool text = std::abs(du) < 0.34 &&
                        std::abs(std::fmod(dv + 0.28, 0.14) - 0.07) < 0.025;
      if (border || text) *c = look.third.g > 200 ? kBlack : kWhite;
      return true;
    }
    default:  // no entry
      if (r >= 0.3) return false;
      *c = std::abs(du) < 0.2 && std::abs(dv) < 0.06 ? kWhite : kSignRed;
      return true;
  }
}

bool Tree(const Billboard& b, const ObjectLook& look, double u, double v,
          double px, Rgbf* c) {
  const double cy = 0.62 * b.height;
  const double ry = 0.37 * b.height;
  const double du = u / (0.5 * b.width);
  const double dv = (v - cy) / ry;
  const double d = du * du + dv * dv;
  if (d < 1 - 0.35 * ValueNoise(u * 1.6, v * 1.6, b.style)) {
    if (d > 0.3 && ValueNoise(u * 4, v * 4, b.style + 2) > 0.82) return false;
    const double fine = std::max(0.0, 1 - px / 0.1);
    const double n = ValueNoise(u * 2.5, v * 2.5, b.style + 1) +
                     fine * (ValueNoise(u * 9, v * 9, b.style + 3) - 0.5);
    *c = look.main * ((0.45 + 0.7 * n) * (0.7 + 0.2 * (dv + 1)));
    return true;
  }
  if (v < cy && std::abs(u) < 0.13 + 0.2 * std::max(0.0, 0.4 - v)) {
    *c = look.second * (0.7 + 0.5 * ValueNoise(u * 20, v * 4, b.style + 4));
    return true;
  }
  return false;
}

bool Car(const Billboard& b, const ObjectLook& look, double u, double v,
         Rgbf* c) {
  const bool front = b.kind == ObjectKind::kCarFront;
  const double au = std::abs(u / (0.5 * b.width));
  const double vv = v / b.height;
  const double belt = b.variant == kBus ? 0.42 : b.variant == kVan ? 0.5 : 0.58;
  const double taper = b.variant == kBus ? 0.0 : b.variant == kVan ? 0.06 : 0.2;
  if (vv < 0.13) {  // tyres; the road shows between them
    if (au < 0.66 || au > 0.94) return false;
    *c = kBlack;
    return true;
  }
  if (vv < belt) {
    *c = look.main * (0.75 + 0.4 * vv / belt);
    if (vv < 0.22) *c = front ? Rgbf{50, 50, 52} : look.main * 0.7;
    if (vv > 0.25 && vv < 0.33 && au < 0.22) {
      *c = front ? kWhite : Rgbf{230, 200, 40};  // number plate
    } else if (!front && vv > belt - 0.15 && vv < belt - 0.05 && au > 0.7) {
      *c = look.third;  // tail lights
    } else if (front && vv > belt - 0.17 && vv < belt - 0.07 && au > 0.55 &&
               au < 0.92) {
      *c = Rgbf{235, 230, 205};  // headlights
    } else if (front && vv > 0.25 && vv < belt - 0.19 && au < 0.45) {
      *c = Rgbf{40, 40, 44};  // grille
    }
    return true;
  }
  const double half = 0.94 - taper * (vv - belt) / (1 - belt);
  if (au > half || (vv > 0.96 && au > half - 0.08)) return false;
  const double g = (vv - belt) / (1 - belt);
  if (vv > belt + 0.04 && vv < 0.93 && au < half - 0.08) {
    *c = Mix(look.second, Rgbf{150, 165, 180}, 0.15 + 0.35 * g);
  } else {
    *c = look.main * 0.95;
  }
  return true;
}

bool Pedestrian(const Billboard& b, const ObjectLook& look, double u, double v,
                Rgbf* c) {
  const double h = b.height;
  const double au = std::abs(u);
  const double head = h - 0.115;
  const bool facing = b.variant & 1;
  if (Sq(u) + Sq(v - head) < Sq(0.105)) {
    *c = v > head + (facing ? 0.04 : -0.07) ? look.hair : look.skin;
    return true;
  }
  const double shoulder = h - 0.26;
  const double hip = 0.5 * h;
  if (v >= shoulder) {
    if (v < h - 0.2 && au < 0.05) {
      *c = look.skin;
      return true;
    }
    return false;
  }
  const bool long_coat = b.variant & 2;
  const double round = std::max(0.0, v - (shoulder - 0.06));
  if (au < 0.19 - round && v >= (long_coat ? 0.3 * h : hip)) {
    *c = look.main * (0.8 + 0.3 * (1 - au / 0.19));
    return true;
  }
  if (au >= 0.19 && au < 0.255 - round) {
    if (v > hip - 0.08 && v < shoulder - 0.02) {
      *c = look.main * 0.85;
      return true;
    }
    if (v > hip - 0.16 && v <= hip - 0.08) {
      *c = look.skin;
      return true;
    }
  }
  if (v < hip && std::abs(au - 0.085) < 0.07) {
    *c = v < 0.07 ? Rgbf{30, 28, 26} : look.second;
    return true;
  }
  return false;
}

bool Bicyclist(const Billboard& b, const ObjectLook& look, double u, double v,
               Rgbf* c) {
  const double h = b.height;
  const double au = std::abs(u);
  const double head = h - 0.13;
  if (Sq(u) + Sq(v - head) < Sq(0.12)) {
    *c = v > head - 0.03 ? look.third : look.skin;  // helmet over the neck
    return true;
  }
  if (v > 1.0 && v < h - 0.25 && au < 0.18) {
    *c = look.main * (0.8 + 0.3 * (1 - au / 0.18));
    return true;
  }
  if (v > 1.0 && v < h - 0.28 && au < 0.26) {
    *c = look.main * 0.85;
    return true;
  }
  if ((v > 0.98 && v < 1.03 && au < 0.3) ||
      (v > 0.78 && v < 0.86 && au < 0.09)) {
    *c = kBlack;  // handlebar, saddle
    return true;
  }
  if (v > 0.28 && v < 1.0 && std::abs(au - 0.1) < 0.06) {
    *c = v < 0.36 ? Rgbf{30, 28, 26} : look.second;
    return true;
  }
  if (v > 0.64 && v < 0.7 && au < 0.035) {
    *c = Rgbf{225, 30, 30};  // rear light
    return true;
  }
  if (v < 0.68 && au < 0.028) {
    *c = kBlack;  // rear wheel, seen edge-on
    return true;
  }
  return false;
}

}  // namespace

bool InShadowOf(const Billboard& b, double u, double v) {
  return (b.kind == ObjectKind::kCarRear || b.kind == ObjectKind::kCarFront) &&
         v < 0.13 * b.height && std::abs(u) < 0.33 * b.width;
}

ObjectLook MakeLook(const Billboard& b) {
  const uint32_t h = b.style;
  ObjectLook look;
  look.skin = Jitter(Pick(kSkins, HashProp(h, 4)), HashProp(h, 5), 0.05);
  look.hair = Pick(kHairs, HashProp(h, 6));
  switch (b.kind) {
    case ObjectKind::kLampPost:
    case ObjectKind::kSignPost:
      look.main = Pick(kMetals, HashProp(h, 7));
      look.second = Rgbf{130, 132, 134};
      look.third = b.kind == ObjectKind::kLampPost ? Rgbf{240, 236, 210}
                                                   : Pick(kPanels, h);
      break;
    case ObjectKind::kTree:
      look.main = Jitter(Pick(kLeaves, HashProp(h, 7)), h, 0.1);
      look.second = Pick(kBarks, HashProp(h, 8));
      break;
    case ObjectKind::kCarRear:
    case ObjectKind::kCarFront:
      look.main = b.variant == kBus ? Pick(kBusPaints, HashProp(h, 7))
                                    : Pick(kCarPaints, HashProp(h, 7));
      look.main = Jitter(look.main, h, 0.05);
      look.second = Jitter({34, 40, 48}, HashProp(h, 8), 0.15);
      look.third = Jitter({200, 30, 30}, HashProp(h, 9), 0.1);
      break;
    case ObjectKind::kPedestrian:
      look.main = Jitter(Pick(kCoats, HashProp(h, 7)), h, 0.08);
      look.second = Pick(kTrousers, HashProp(h, 8));
      break;
    case ObjectKind::kBicyclist:
      look.main = Pick(kHiVis, HashProp(h, 7));
      look.second = Pick(kTrousers, HashProp(h, 8));
      look.third = Pick(kCoats, HashProp(h, 9));
      break;
  }
  return look;
}

bool ShadeObject(const Billboard& b, const ObjectLook& look, double u, double v,
                 double px, Rgbf* c, uint8_t* label) {
  switch (b.kind) {
    case ObjectKind::kLampPost:
      *label = kPole;
      return LampPost(b, look, u, v, c);
    case ObjectKind::kSignPost:
      if (SignPlate(b, look, u, v - (b.height - 0.38), c)) {
        *label = kSignSymbol;
        return true;
      }
      *label = kPole;
      if (std::abs(u) >= 0.04 || v >= b.height - 0.3) return false;
      *c = look.main * (0.7 + 0.4 * (1 - Sq(u / 0.04)));
      return true;
    case ObjectKind::kTree:
      *label = kTree;
      return Tree(b, look, u, v, px, c);
    case ObjectKind::kCarRear:
    case ObjectKind::kCarFront:
      *label = kCar;
      return Car(b, look, u, v, c);
    case ObjectKind::kPedestrian:
      *label = kPedestrian;
      return Pedestrian(b, look, u, v, c);
    case ObjectKind::kBicyclist:
      *label = kBicyclist;
      return Bicyclist(b, look, u, v, c);
  }
  return false;
}

}  // namespace tessera::tools::synth
