#include "tools/synth_traffic.h"

#include <algorithm>

namespace tessera::tools::synth {
namespace {

constexpr double kLeadMinGap = 12;      // lead cars speed up below this gap
constexpr double kLeadMaxGap = 70;      // and slow down beyond this one
constexpr double kAccel = 3;            // m/s^2
constexpr double kOncomingRate = 0.35;  // new oncoming cars per second
constexpr double kCyclistRate = 0.08;   // new cyclists per second

}  // namespace

Traffic::Agent Traffic::MakeVehicle(const SceneStyle& style, bool oncoming,
                                    double z, Rng* rng) {
  Agent a;
  Billboard& b = a.body;
  b.id = kMovingIdBit | next_id_++;
  b.kind = oncoming ? ObjectKind::kCarFront : ObjectKind::kCarRear;
  b.style = rng->Next32();
  const double pick = rng->Uniform(0, 1);
  b.variant = pick < 0.08 ? kBus : pick < 0.22 ? kVan : kSaloon;
  b.width = b.variant == kBus ? 2.5 : b.variant == kVan ? 1.95 : 1.8;
  b.height = b.variant == kBus   ? rng->Uniform(3.0, 3.2)
             : b.variant == kVan ? rng->Uniform(2.0, 2.3)
                                 : rng->Uniform(1.4, 1.55);
  b.x = (oncoming ? -style.lane_x : style.lane_x) + rng->Uniform(-0.2, 0.2);
  b.z = z;
  a.vz = oncoming ? -rng->Uniform(8, 13) : style.ego_speed;
  a.cruise = rng->Uniform(-2.5, 2.5);
  return a;
}

Traffic::Agent Traffic::MakePedestrian(const SceneStyle& style, double z,
                                       Rng* rng) {
  Agent a;
  Billboard& b = a.body;
  b.id = kMovingIdBit | next_id_++;
  b.kind = ObjectKind::kPedestrian;
  b.style = rng->Next32();
  b.variant = static_cast<uint8_t>(rng->Next32() & 3);
  b.width = 0.6;
  b.height = rng->Uniform(1.55, 1.9);
  const int side = rng->Chance(0.5) ? 1 : 0;
  const double walk =
      style.facade[side] - style.fence_inset - style.road_half - 0.8;
  b.x = (side ? 1 : -1) * (style.road_half + 0.5 + rng->Uniform(0, walk));
  b.z = z;
  a.vz = rng->Uniform(0.9, 1.6) * (rng->Chance(0.5) ? 1 : -1);
  return a;
}

Traffic::Agent Traffic::MakeCyclist(const SceneStyle& style, double z,
                                    Rng* rng) {
  Agent a;
  Billboard& b = a.body;
  b.id = kMovingIdBit | next_id_++;
  b.kind = ObjectKind::kBicyclist;
  b.style = rng->Next32();
  b.width = 0.7;
  b.height = rng->Uniform(1.7, 1.85);
  b.x = -(style.road_half - 0.6);  // keeps left, by the kerb
  b.z = z;
  a.vz = rng->Uniform(4, 6.5);
  return a;
}

int Traffic::Count(ObjectKind kind) const {
  return static_cast<int>(
      std::count_if(agents_.begin(), agents_.end(),
                    [kind](const Agent& a) { return a.body.kind == kind; }));
}

void Traffic::Reset(const SceneStyle& style, double cam_z, Rng* rng) {
  agents_.clear();
  lead_cars_wanted_ = rng->Chance(0.5) ? 2 : 1;
  pedestrians_wanted_ = static_cast<int>(rng->Uniform(6, 15));
  for (int n = 0; n < lead_cars_wanted_; ++n) {
    agents_.push_back(MakeVehicle(style, /*oncoming=*/false,
                                  cam_z + rng->Uniform(18, 65), rng));
  }
  const int oncoming = static_cast<int>(rng->Uniform(2, 5));
  for (int n = 0; n < oncoming; ++n) {
    agents_.push_back(MakeVehicle(style, /*oncoming=*/true,
                                  cam_z + rng->Uniform(20, kFarDepth), rng));
  }
  for (int n = 0; n < pedestrians_wanted_; ++n) {
    agents_.push_back(
        MakePedestrian(style, cam_z + rng->Uniform(4, kFarDepth), rng));
  }
  agents_.push_back(MakeCyclist(style, cam_z + rng->Uniform(20, 32), rng));
  for (Agent& a : agents_) {
    a.body.prev_x = a.body.x;
    a.body.prev_y = a.body.y;
    a.body.prev_z = a.body.z;
  }
}

void Traffic::Step(const SceneStyle& style, double dt, double cam_z,
                   double ego_speed, Rng* rng) {
  for (Agent& a : agents_) {
    Billboard& b = a.body;
    b.prev_x = b.x;
    b.prev_y = b.y;
    b.prev_z = b.z;
    if (b.kind == ObjectKind::kCarRear) {
      // Lead cars keep a plausible gap instead of being driven through.
      const double gap = b.z - cam_z;
      double target = ego_speed + a.cruise;
      if (gap < kLeadMinGap) target = ego_speed + 3;
      if (gap > kLeadMaxGap) target = ego_speed - 3;
      a.vz += std::clamp(target - a.vz, -kAccel * dt, kAccel * dt);
    }
    b.x += a.vx * dt;
    b.z += a.vz * dt;
  }
  agents_.erase(std::remove_if(agents_.begin(), agents_.end(),
                               [cam_z](const Agent& a) {
                                 const double d = a.body.z - cam_z;
                                 return d < 0.5 || d > kFarDepth + 20;
                               }),
                agents_.end());
  // Newcomers appear far ahead, where the camera is heading.
  std::vector<Agent> born;
  if (Count(ObjectKind::kCarRear) < lead_cars_wanted_) {
    born.push_back(MakeVehicle(style, false, cam_z + kLeadMaxGap, rng));
  }
  if (rng->Chance(kOncomingRate * dt)) {
    born.push_back(MakeVehicle(style, true, cam_z + kFarDepth, rng));
  }
  if (Count(ObjectKind::kPedestrian) < pedestrians_wanted_) {
    born.push_back(MakePedestrian(
        style, cam_z + rng->Uniform(0.5 * kFarDepth, kFarDepth), rng));
  }
  if (Count(ObjectKind::kBicyclist) == 0 && rng->Chance(kCyclistRate * dt)) {
    born.push_back(MakeCyclist(style, cam_z + rng->Uniform(60, 120), rng));
  }
  for (Agent& a : born) {
    // No earlier position exists; a still one keeps the flow meaningful
    // (the pixels are marked occluded anyway, being new).
    a.body.prev_x = a.body.x;
    a.body.prev_y = a.body.y;
    a.body.prev_z = a.body.z;
    agents_.push_back(a);
  }
}

void Traffic::Append(std::vector<Billboard>* objects) const {
  for (const Agent& a : agents_) objects->push_back(a.body);
}

}  // namespace tessera::tools::synth
