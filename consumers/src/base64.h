// Standard base64 (RFC 4648, with padding, no line breaks) through OpenSSL,
// for the channels that need it: email bodies and subjects (RFC 2045/2047)
// and DingTalk's request signature.
#pragma once

#include <openssl/evp.h>

#include <string>
#include <string_view>

namespace duban::consumers {

inline std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace duban::consumers
