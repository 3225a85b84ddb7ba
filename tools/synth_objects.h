// Upright objects of the synthetic street, each a textured cut-out on a
// plane facing the camera: lamp posts, sign posts, trees, cars, pedestrians
// and cyclists. The camera only translates, so such a plane maps onto itself
// between frames by a scale and a shift: an object's flow is exact.
//
//   std::vector<Billboard> objects;
//   AddStreetFurniture(style, camera, &objects);  // static, placed by hash
//   traffic.Append(&objects);                     // moving, see
//   synth_traffic.h RenderObjects(style, camera, prev_camera, &objects,
//   &buffers);
#ifndef TESSERA_TOOLS_SYNTH_OBJECTS_H_
#define TESSERA_TOOLS_SYNTH_OBJECTS_H_

#include <cstdint>
#include <vector>

#include "tools/synth_noise.h"
#include "tools/synth_world.h"

namespace tessera::tools::synth {

enum class ObjectKind : uint8_t {
  kLampPost,
  kSignPost,
  kTree,
  kCarRear,   // seen from behind: same direction as the camera
  kCarFront,  // oncoming or parked facing the camera
  kPedestrian,
  kBicyclist,
};

// Vehicle variants (Billboard::variant for cars).
enum VehicleVariant : uint8_t { kSaloon = 0, kVan = 1, kBus = 2 };

// Ids: static objects are named by where they stand, so they keep their id
// from frame to frame; moving ones count up. Background ids are small.
constexpr uint32_t kStaticIdBit = 0x40000000;
constexpr uint32_t kMovingIdBit = 0x80000000;

// Objects are drawn between these depths from the camera.
constexpr double kNearDepth = 1.5;
constexpr double kFarDepth = 160;

struct Billboard {
  uint32_t id = 0;
  ObjectKind kind = ObjectKind::kLampPost;
  uint8_t variant = 0;
  uint32_t style = 0;  // hash choosing colours and details
  double x = 0;        // bottom centre in world metres, this frame
  double y = 0;
  double z = 0;
  double prev_x = 0;  // the same point in the previous frame
  double prev_y = 0;
  double prev_z = 0;
  double width = 1;  // metres
  double height = 1;
};

// Lamp posts, sign posts, trees and parked cars between the near and far
// depth of `camera`, laid out by hashing the scene seed with the position.
void AddStreetFurniture(const SceneStyle& style, const Camera& camera,
                        std::vector<Billboard>* objects);

// Draws `objects` (reordered far to near) over `out` wherever they are
// nearer than what `out` shows already (a depth test against its depth).
void RenderObjects(const SceneStyle& style, const Camera& camera,
                   const Camera& prev, std::vector<Billboard>* objects,
                   FrameBuffers* out);

// Colours of one object, derived from its style hash once per frame.
struct ObjectLook {
  Rgbf main;    // body paint, coat, foliage, metal
  Rgbf second;  // trousers, glass, trunk
  Rgbf third;   // details: lights, sign face
  Rgbf skin;
  Rgbf hair;
};
ObjectLook MakeLook(const Billboard& object);

// Colour and class at (u, v) metres from the object's bottom centre (v up);
// false where the cut-out is transparent. `px` is metres per pixel.
bool ShadeObject(const Billboard& object, const ObjectLook& look, double u,
                 double v, double px, Rgbf* colour, uint8_t* label);

// Whether (u, v) is in the transparent gap under a vehicle, where the road
// is in its shadow.
bool InShadowOf(const Billboard& object, double u, double v);

}  // namespace tessera::tools::synth

#endif  // TESSERA_TOOLS_SYNTH_OBJECTS_H_
