// Request bodies parsed strictly, the one way every JSON body of the API is
// read: valid UTF-8, one JSON value, an object at the top, and no key twice in
// any object (nlohmann keeps the last of a repeated key, so `{"unit":"A",
// "unit":"B"}` would mean one thing to a proxy or log reader that keeps the
// first and another to the server).
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "duban/status.h"

namespace duban::server {

// InvalidArgument with a plain message (no field named) when the bytes are
// not such an object.
Result<nlohmann::json> ParseJsonObject(std::string_view bytes);

}  // namespace duban::server
