// Test and benchmark support: one plain HTTP/1.0 GET to 127.0.0.1 (the hub's metrics port).
#ifndef ENLACE_HUB_TESTING_HTTP_GET_H_
#define ENLACE_HUB_TESTING_HTTP_GET_H_

#include <string>

namespace enlace::hub::testing {

// The whole response (status line, headers, body), or "" if the connection failed.
std::string HttpGet(int port, const std::string& path);

}  // namespace enlace::hub::testing

#endif  // ENLACE_HUB_TESTING_HTTP_GET_H_
