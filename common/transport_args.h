// gRPC settings for links that carry pixels: large messages, and a large
// HTTP/2 receive window so that a region does not wait for window updates
// (the default 64 KiB window costs several round trips per region).
//
//   auto channel = grpc::CreateCustomChannel(address, credentials,
//                                            PixelChannelArguments());
//   ConfigurePixelServer(builder);
#ifndef TESSERA_COMMON_TRANSPORT_ARGS_H_
#define TESSERA_COMMON_TRANSPORT_ARGS_H_

#include <grpcpp/server_builder.h>
#include <grpcpp/support/channel_arguments.h>

namespace tessera {

inline constexpr int kMaxMessageBytes = 256 << 20;
inline constexpr int kStreamWindowBytes = 16 << 20;

grpc::ChannelArguments PixelChannelArguments();
void ConfigurePixelServer(grpc::ServerBuilder& builder);

}  // namespace tessera

#endif  // TESSERA_COMMON_TRANSPORT_ARGS_H_
