// Text as a JSON string literal, for the few JSON documents Tessera writes
// by hand (summaries, benchmark results) where a name comes from outside.
#ifndef TESSERA_COMMON_JSON_STRING_H_
#define TESSERA_COMMON_JSON_STRING_H_

#include <string>

namespace tessera {

// `text` quoted and escaped: "a\"b" for a"b; control characters as \uXXXX.
std::string JsonString(const std::string& text);

}  // namespace tessera

#endif  // TESSERA_COMMON_JSON_STRING_H_
