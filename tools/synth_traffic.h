// Moving road users of a synthetic scene: cars ahead in the camera's lane,
// oncoming cars, pedestrians on both pavements and a cyclist at the kerb.
// They move in world metres per second and remember where they were one
// frame earlier, which the renderer needs for their exact flow.
//
//   Traffic traffic;
//   traffic.Reset(style, camera.z, &rng);
//   traffic.Step(style, dt, camera.z, ego_speed, &rng);  // each new frame
//   traffic.Append(&objects);
#ifndef TESSERA_TOOLS_SYNTH_TRAFFIC_H_
#define TESSERA_TOOLS_SYNTH_TRAFFIC_H_

#include <cstdint>
#include <vector>

#include "tools/synth_noise.h"
#include "tools/synth_objects.h"
#include "tools/synth_world.h"

namespace tessera::tools::synth {

class Traffic {
 public:
  // Replaces everyone with a fresh population around a camera at `cam_z`;
  // there is always a cyclist ahead at first.
  void Reset(const SceneStyle& style, double cam_z, Rng* rng);
  // Moves everyone by `dt` seconds, drops those left behind and spawns new
  // ones far ahead.
  void Step(const SceneStyle& style, double dt, double cam_z, double ego_speed,
            Rng* rng);
  void Append(std::vector<Billboard>* objects) const;

 private:
  struct Agent {
    Billboard body;
    double vx = 0;
    double vz = 0;
    double cruise = 0;  // ego-lane cars: speed offset from the camera's
  };

  Agent MakeVehicle(const SceneStyle& style, bool oncoming, double z, Rng* rng);
  Agent MakePedestrian(const SceneStyle& style, double z, Rng* rng);
  Agent MakeCyclist(const SceneStyle& style, double z, Rng* rng);
  int Count(ObjectKind kind) const;

  std::vector<Agent> agents_;
  uint32_t next_id_ = 1;
  int pedestrians_wanted_ = 8;
  int lead_cars_wanted_ = 1;
};

}  // namespace tessera::tools::synth

#endif  // TESSERA_TOOLS_SYNTH_TRAFFIC_H_
